use super::*;

fn fonts() -> (FontRef<'static>, FontRef<'static>) {
    super::super::theme::fonts()
}

/// A `<text>` element exactly as plotters-svg 0.3.7 writes it for a 30 px font.
fn element(anchor: &str, dy: &str, extra: &str, text: &str) -> String {
    format!(
        "<text x=\"100\" y=\"200\" dy=\"{dy}\" text-anchor=\"{anchor}\" font-family=\"sans-serif\" \
         font-size=\"{}\" opacity=\"1\" fill=\"#000000\"{extra}>\n{text}\n</text>\n",
        30.0 / 1.24
    )
}

fn outline(svg: &str) -> String {
    let (regular, bold) = fonts();
    outline_text(svg, &regular, &bold).unwrap()
}

fn error(svg: &str) -> OutlineError {
    let (regular, bold) = fonts();
    outline_text(svg, &regular, &bold).unwrap_err()
}

/// The `d` attribute of the only path in `svg`.
fn d_of(svg: &str) -> String {
    assert_eq!(svg.matches("<path").count(), 1, "{svg}");
    let start = svg.find("d=\"").unwrap() + 3;
    svg[start..start + svg[start..].find('"').unwrap()].to_string()
}

/// Absolute coordinates of every point (control points included) of relative path data.
fn points(d: &str) -> Vec<(f64, f64)> {
    let (mut out, mut at, mut start) = (Vec::new(), (0.0, 0.0), (0.0, 0.0));
    let cmds: Vec<usize> =
        d.match_indices(|c: char| c.is_ascii_alphabetic()).map(|(i, _)| i).chain([d.len()]).collect();
    for w in cmds.windows(2) {
        let (cmd, args) = (&d[w[0]..w[0] + 1], &d[w[0] + 1..w[1]]);
        assert!("mlhvqcz".contains(cmd), "{cmd}");
        let mut nums: Vec<f64> =
            args.replace('-', " -").split_whitespace().map(|n| n.parse().unwrap()).collect();
        match cmd {
            "h" => nums.push(0.0),
            "v" => nums.insert(0, 0.0),
            _ => {}
        }
        let origin = at;
        for p in nums.chunks(2) {
            at = (origin.0 + p[0], origin.1 + p[1]);
            out.push(at);
        }
        match cmd {
            "m" => start = at,
            "z" => at = start,
            _ => {}
        }
    }
    out
}

/// (min x, min y, max x, max y) over all points.
fn bbox(d: &str) -> (f64, f64, f64, f64) {
    points(d).iter().fold(
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY),
        |(x0, y0, x1, y1), &(x, y)| (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
    )
}

#[test]
fn replaces_text_and_keeps_everything_else() {
    let svg = format!("<svg>\n<rect x=\"0\"/>\n{}<line/>\n</svg>\n", element("start", "0.76em", "", "Hello"));
    let out = outline(&svg);
    assert!(!out.contains("<text"));
    assert!(out.starts_with("<svg>\n<rect x=\"0\"/>\n<path d=\"m"));
    assert!(out.ends_with("\" fill=\"#000000\" opacity=\"1\"/>\n<line/>\n</svg>\n"), "{out}");
}

#[test]
fn output_is_deterministic_and_rounded_to_two_decimals() {
    let svg = element("middle", "0.5ex", "", "Deterministic ×≥ρ");
    let a = outline(&svg);
    assert_eq!(a, outline(&svg));
    let d = d_of(&a);
    for num in d.split(|c: char| c.is_ascii_alphabetic() || c == ' ' || c == '-').filter(|s| !s.is_empty()) {
        assert!(num.split('.').nth(1).is_none_or(|f| (1..=2).contains(&f.len())), "{num}");
        assert!(!num.ends_with('0') || !num.contains('.'), "{num}");
    }
}

#[test]
fn numbers_format_deterministically() {
    let cases = [
        (0, "0"),
        (1250, "12.5"),
        (-325, "-3.25"),
        (10000, "100"),
        (5, "0.05"),
        (-30, "-0.3"),
        (-5, "-0.05"),
    ];
    for (v, want) in cases {
        let mut s = String::new();
        push_num(&mut s, v);
        assert_eq!(s, want, "{v}");
    }
    assert_eq!([hundredths(-0.001), hundredths(7.999), hundredths(-2.345)], [0, 800, -235]);
}

#[test]
fn relative_commands_do_not_drift() {
    let mut d = PathData::default();
    let ps = [point(10.004, 20.006), point(10.008, 20.012), point(1599.996, 999.994)];
    d.command('m', &ps[..1]);
    d.command('l', &ps[1..2]);
    d.command('q', &ps[1..]);
    d.close();
    d.command('l', &ps[2..]);
    d.command('l', &[point(1600.0, 1000.0)]);
    d.command('l', &[point(1590.0, 1000.0)]);
    assert_eq!(d.d, "m10 20.01h0.01q0 0 1589.99 979.98zl1590 979.98v0.01h-10");
    let end = *points(&d.d).last().unwrap();
    assert!((end.0 - 1590.0).abs() < 1e-9 && (end.1 - 1000.0).abs() < 1e-9, "{end:?}");
}

#[test]
fn horizontal_anchors_follow_the_layout_width() {
    let (regular, _) = fonts();
    let start = bbox(&d_of(&outline(&element("start", "0.76em", "", "Tick"))));
    let middle = bbox(&d_of(&outline(&element("middle", "0.76em", "", "Tick"))));
    let end = bbox(&d_of(&outline(&element("end", "0.76em", "", "Tick"))));
    // Width as plotters' estimate_layout computes it for a 30 px font.
    let scaled = regular.as_scaled(30.0);
    let ids: Vec<_> = "Tick".chars().map(|c| scaled.glyph_id(c)).collect();
    let width: f32 = ids.iter().map(|&id| scaled.h_advance(id)).sum::<f32>()
        + ids.windows(2).map(|w| scaled.kern(w[0], w[1])).sum::<f32>();
    let w = width as i32;
    assert!((start.0 - 100.0).abs() < 1.0, "ink starts at the anchor: {start:?}");
    assert!((start.0 - middle.0 - f64::from(w / 2)).abs() < 0.011, "{start:?} {middle:?}");
    assert!((start.0 - end.0 - f64::from(w)).abs() < 0.011, "{start:?} {end:?}");
    // The last glyph's right side bearing (and plotters dropping left bearings) leaves a gap.
    assert!(end.2 <= 100.0 && end.2 > 96.0, "ink ends just before the anchor: {end:?}");
}

#[test]
fn vertical_anchors_shift_by_the_layout_height() {
    let top = bbox(&d_of(&outline(&element("start", "0.76em", "", "Hx"))));
    let center = bbox(&d_of(&outline(&element("start", "0.5ex", "", "Hx"))));
    let bottom = bbox(&d_of(&outline(&element("start", "-0.5ex", "", "Hx"))));
    let h = (30.0f64 / 1.24) as i32; // layout height = trunc(size / 1.24) = 24
    assert!((top.1 - center.1 - f64::from(h / 2)).abs() < 0.011);
    assert!((top.1 - bottom.1 - f64::from(h)).abs() < 0.011);
    // Baseline (bottom of "H") at size / 2 below a top anchor, as the rasteriser draws it.
    assert!((top.3 - 215.0).abs() <= 1.0, "{top:?}");
}

#[test]
fn bold_uses_the_bold_font_and_italic_falls_back_to_regular() {
    let regular = d_of(&outline(&element("start", "0.76em", "", "Weight")));
    let bold = d_of(&outline(&element("start", "0.76em", " font-weight=\"bold\"", "Weight")));
    let italic = d_of(&outline(&element("start", "0.76em", " font-style=\"italic\"", "Weight")));
    let oblique = d_of(&outline(&element("start", "0.76em", " font-style=\"oblique\"", "Weight")));
    assert_eq!(italic, oblique);
    assert_ne!(regular, bold);
    assert!(bbox(&bold).2 > bbox(&regular).2, "bold is wider");
    assert_eq!(regular, italic);
}

#[test]
fn fill_opacity_and_transform_are_kept() {
    let svg = element("middle", "-0.5ex", " transform=\"rotate(270, 100, 200)\"", "ρ (log)")
        .replace("fill=\"#000000\"", "fill=\"#E69F00\"")
        .replace("opacity=\"1\"", "opacity=\"0.5\"");
    let out = outline(&svg);
    assert!(out.ends_with("\" fill=\"#E69F00\" opacity=\"0.5\" transform=\"rotate(270, 100, 200)\"/>\n"));
}

#[test]
fn rotated_text_is_shifted_like_the_rotated_bitmap() {
    let flat = bbox(&d_of(&outline(&element("start", "0.76em", "", "y label"))));
    for (angle, (sx, sy)) in [(90, (0.0, -1.0)), (180, (-1.0, -1.0)), (270, (-1.0, 0.0))] {
        let extra = format!(" transform=\"rotate({angle}, 100, 200)\"");
        let rotated = bbox(&d_of(&outline(&element("start", "0.76em", &extra, "y label"))));
        assert!((rotated.0 - flat.0 - sx).abs() < 0.011 && (rotated.1 - flat.1 - sy).abs() < 0.011);
    }
}

#[test]
fn escapes_are_decoded() {
    let (regular, _) = fonts();
    let template = element("start", "0.76em", "", "x");
    let direct = |text: &str| {
        let e = TextElement::parse(template.trim_end()).unwrap();
        TextElement { text: text.to_string(), ..e }.path_data(&regular)
    };
    let out = outline(&element("start", "0.76em", "", "T5 &amp; Flan-T5"));
    assert_eq!(d_of(&out), direct("T5 & Flan-T5"));
    let all = outline(&element("start", "0.76em", "", "&lt;a&gt; &quot;b&quot; &apos;c&apos; &amp;amp;"));
    assert_eq!(d_of(&all), direct("<a> \"b\" 'c' &amp;"));
}

#[test]
fn unicode_glyphs_come_from_the_font() {
    let (regular, bold) = fonts();
    for c in ['–', '≥', 'ρ', '×', '⁵', 'µ', '±'] {
        assert_ne!(regular.glyph_id(c).0, 0, "DejaVu Sans lacks {c}");
        assert_ne!(bold.glyph_id(c).0, 0, "DejaVu Sans Bold lacks {c}");
    }
    let out = outline(&element("start", "0.76em", "", "10⁵ – ρ ≥ 2 × 3"));
    assert!(d_of(&out).matches('m').count() >= 9);
}

#[test]
fn missing_characters_use_notdef() {
    let (regular, _) = fonts();
    assert_eq!(regular.glyph_id('中').0, 0);
    let notdef = d_of(&outline(&element("start", "0.76em", "", "中")));
    assert!(!notdef.is_empty());
    assert_eq!(notdef, d_of(&outline(&element("start", "0.76em", "", "\u{E000}"))), "both are .notdef");
}

#[test]
fn blank_text_is_removed_without_error() {
    for text in ["", " ", "   "] {
        let svg = format!("<svg>\n{}</svg>\n", element("start", "0.76em", "", text));
        assert_eq!(outline(&svg), "<svg>\n</svg>\n", "{text:?}");
    }
}

#[test]
fn unparsable_text_is_an_error_naming_it() {
    let cases = [
        (element("left", "0.76em", "", "a"), "text-anchor"),
        (element("start", "1em", "", "a"), "dy"),
        (element("start", "0.76em", " font-weight=\"300\"", "a"), "font-weight"),
        (element("start", "0.76em", " class=\"c\"", "a"), "class"),
        (element("start", "0.76em", " transform=\"rotate(45, 100, 200)\"", "a"), "rotate(45"),
        (element("start", "0.76em", " transform=\"rotate(90, 0, 0)\"", "a"), "rotate(90, 0, 0)"),
        (element("start", "0.76em", "", "a &nbsp; b"), "&nbsp;"),
        (element("start", "0.76em", "", "a").replace(" x=\"100\"", ""), "missing x"),
        (
            element("start", "0.76em", "", "a").replace(" font-family=\"sans-serif\"", ""),
            "missing font-family",
        ),
        (element("start", "0.76em", " font-style=\"slanted\"", "a"), "font-style"),
        (element("start", "0.76em", "", "a").replace("font-size=\"", "font-size=\"-"), "font-size"),
        (element("start", "0.76em", "", "a").replace("x=\"100\"", "x=\"1.5\""), "x=\"1.5\""),
        (element("start", "0.76em", "", "a").replace("y=\"200\"", "y=\"200\" y=\"3\""), "duplicate"),
        ("<textPath href=\"#p\">a</textPath></text>".to_string(), "not a <text>"),
        (element("start", "0.76em", "", "a").replace("</text>", ""), "no closing"),
    ];
    for (svg, reason) in cases {
        let svg = format!("<svg>\n{svg}</svg>");
        let err = error(&svg);
        assert_eq!(err.offset, 6);
        let message = err.to_string();
        assert!(message.contains(reason), "{message}");
        assert!(message.contains("<text"), "names the element: {message}");
    }
}
