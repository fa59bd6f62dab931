//! The methods section of `report.html` is the README's own text ("What is measured" and
//! "Statistics"), compiled in, so the two never disagree. This is the small subset of
//! Markdown the README uses there: headings, paragraphs, `- ` lists with indented
//! continuation lines, pipe tables, fenced code, `code`, **bold**, *italic* and links.

use super::esc;

/// The README, as it was when emerge was built.
const README: &str = include_str!("../../../README.md");

/// The README sections the methods section shows, by heading.
const SECTIONS: [&str; 2] = ["### What is measured", "## Statistics"];

/// The methods text as HTML; each README section from its heading to the next heading
/// of the same or a higher level.
pub fn methods() -> String {
    SECTIONS.iter().map(|h| to_html(section(README, h))).collect()
}

/// The lines from `heading` to the next heading of the same or a higher level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let Some(start) = text.find(&format!("\n{heading}\n")).map(|i| i + 1) else { return "" };
    let level = heading.chars().take_while(|&c| c == '#').count();
    let rest = &text[start..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            let hashes = rest[i..].chars().take_while(|&c| c == '#').count();
            hashes > 0 && hashes <= level && rest[i..].chars().nth(hashes) == Some(' ')
        })
        .unwrap_or(rest.len());
    &rest[..end]
}

enum Block {
    Para(Vec<String>),
    List(Vec<Vec<String>>),
    Table(Vec<String>),
    Code(Vec<String>),
}

/// Block structure first, then inline formatting of each block's text.
pub fn to_html(md: &str) -> String {
    let mut out = String::new();
    let mut block: Option<Block> = None;
    let mut in_code = false;
    let flush = |block: &mut Option<Block>, out: &mut String| match block.take() {
        Some(Block::Para(lines)) => out.push_str(&format!("<p>{}</p>\n", inline(&lines.join(" ")))),
        Some(Block::List(items)) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str(&format!("<li>{}</li>\n", inline(&item.join(" "))));
            }
            out.push_str("</ul>\n");
        }
        Some(Block::Table(rows)) => out.push_str(&table(&rows)),
        Some(Block::Code(lines)) => out.push_str(&format!("<pre>{}</pre>\n", esc(&lines.join("\n")))),
        None => {}
    };
    for line in md.lines() {
        if line.starts_with("```") {
            if in_code {
                flush(&mut block, &mut out);
            } else {
                flush(&mut block, &mut out);
                block = Some(Block::Code(Vec::new()));
            }
            in_code = !in_code;
            continue;
        }
        if in_code {
            if let Some(Block::Code(lines)) = &mut block {
                lines.push(line.to_string());
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut block, &mut out);
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && line[hashes..].starts_with(' ') {
            flush(&mut block, &mut out);
            // The README's ## is the report's h3 (the methods section is an h2).
            let level = (hashes + 1).min(6);
            out.push_str(&format!("<h{level}>{}</h{level}>\n", inline(line[hashes..].trim())));
            continue;
        }
        if let Some(item) = line.strip_prefix("- ") {
            if !matches!(block, Some(Block::List(_))) {
                flush(&mut block, &mut out);
                block = Some(Block::List(Vec::new()));
            }
            if let Some(Block::List(items)) = &mut block {
                items.push(vec![item.trim().to_string()]);
            }
            continue;
        }
        if trimmed.starts_with('|') {
            if !matches!(block, Some(Block::Table(_))) {
                flush(&mut block, &mut out);
                block = Some(Block::Table(Vec::new()));
            }
            if let Some(Block::Table(rows)) = &mut block {
                rows.push(trimmed.to_string());
            }
            continue;
        }
        match &mut block {
            // An indented line continues the list item above it.
            Some(Block::List(items)) if line.starts_with("  ") => {
                if let Some(item) = items.last_mut() {
                    item.push(trimmed.to_string());
                }
            }
            Some(Block::Para(lines)) => lines.push(trimmed.to_string()),
            _ => {
                flush(&mut block, &mut out);
                block = Some(Block::Para(vec![trimmed.to_string()]));
            }
        }
    }
    flush(&mut block, &mut out);
    out
}

/// A pipe table: the first row is the header, the second the alignment row.
fn table(rows: &[String]) -> String {
    let cells = |row: &str| -> Vec<String> {
        row.trim().trim_matches('|').split('|').map(|c| inline(c.trim())).collect()
    };
    let mut out = String::from("<table class=\"md\">\n");
    for (i, row) in rows.iter().enumerate() {
        if i == 1 && row.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue;
        }
        let tag = if i == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for c in cells(row) {
            out.push_str(&format!("<{tag}>{c}</{tag}>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// Inline formatting of escaped text: `code` spans are left alone, then links, **bold**
/// and *italic* in the rest.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", esc(part)));
        } else {
            out.push_str(&emphasis(&links(part)));
        }
    }
    out
}

/// `[text](url)`: a link for web addresses; for the README's own anchors and files only
/// the text, which the report does not have.
fn links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        // A bracket that is not a link ("[0, 1]") stays text.
        let (Some(close), Some(end)) = (after.find(']'), after.find(')')) else { break };
        if !after[close..].starts_with("](") || end < close {
            out.push_str(&esc(&rest[..=open]));
            rest = after;
            continue;
        }
        let end = end - close - 2;
        let (label, url) = (&after[..close], &after[close + 2..close + 2 + end]);
        out.push_str(&esc(&rest[..open]));
        if url.starts_with("https://") || url.starts_with("http://") {
            out.push_str(&format!("<a href=\"{}\">{}</a>", esc(url), esc(label)));
        } else {
            out.push_str(&esc(label));
        }
        rest = &after[close + 3 + end..];
    }
    out.push_str(&esc(rest));
    out
}

/// `**bold**` and `*italic*` on escaped text (`*` is not escaped); an unpaired marker
/// stays as written.
fn emphasis(text: &str) -> String {
    let bold = wrap(text, "**", "strong");
    wrap(&bold, "*", "em")
}

fn wrap(text: &str, marker: &str, tag: &str) -> String {
    let parts: Vec<&str> = text.split(marker).collect();
    if parts.len() < 3 {
        return text.to_string();
    }
    let mut out = String::new();
    let pairs = (parts.len() - 1) / 2 * 2;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if i <= pairs {
                out.push_str(&if i % 2 == 1 { format!("<{tag}>") } else { format!("</{tag}>") });
            } else {
                out.push_str(marker);
            }
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_subset_becomes_html() {
        let md = "## Title\n\nA *b* **c** `d<e>` [f](https://x.org/?a&b) [g](#h).\nsecond line\n\n\
                  - one\n  continued\n- two\n\n| a | b |\n|---|---|\n| 1 | `x` |\n";
        let html = to_html(md);
        assert!(html.contains("<h3>Title</h3>"), "{html}");
        assert!(html.contains(
            "<p>A <em>b</em> <strong>c</strong> <code>d&lt;e&gt;</code> \
             <a href=\"https://x.org/?a&amp;b\">f</a> g. second line</p>"
        ));
        assert!(html.contains("<li>one continued</li>\n<li>two</li>"), "{html}");
        assert!(html.contains("<tr><th>a</th><th>b</th></tr>"), "{html}");
    }

    #[test]
    fn unpaired_markers_and_markup_in_text_stay_text() {
        assert_eq!(inline("2 * 3 <b>"), "2 * 3 &lt;b&gt;");
        assert_eq!(inline("a *b* c*"), "a <em>b</em> c*");
        assert_eq!(inline("in [0, 1] and [t](https://u)"), "in [0, 1] and <a href=\"https://u\">t</a>");
    }

    #[test]
    fn methods_carry_the_readme_statistics_and_stop_at_the_next_section() {
        let html = methods();
        assert!(html.contains("<h3>Statistics</h3>"), "the Statistics heading");
        assert!(html.contains("Besag &amp; Clifford"), "the references");
        assert!(html.contains("emergence score"));
        assert!(!html.contains("<h3>Output</h3>"), "stops before ## Output");
        assert!(!html.contains("<h4>Compound metrics"), "What is measured ends at the next ###");
    }
}
