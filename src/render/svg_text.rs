//! Turns the `<text>` elements of plotters' SVG output into `<path>` outlines drawn
//! from a bundled font, so an SVG chart looks the same in every viewer and matches the
//! PNG that plotters' bitmap backend rasterises from the same font.
//!
//! plotters-svg 0.3.7 writes every label as below (attributes always in this order,
//! `font-weight="bold"` or `font-style="italic|oblique"` and `transform` only when
//! needed; values and text escaped with `&lt; &gt; &amp; &quot; &apos;`):
//!
//! ```text
//! <text x="40" y="18" dy="0.76em" text-anchor="start" font-family="sans-serif"
//!   font-size="33.87096774193548" opacity="1" fill="#000000" font-weight="bold"
//!   transform="rotate(270, 40, 18)">
//! T5 &amp; Flan-T5
//! </text>
//! ```
//!
//! where `font-size` is the plotters font size divided by 1.24, `dy` encodes the
//! vertical anchor (`0.76em` top, `0.5ex` centre, `-0.5ex` bottom) and `text-anchor`
//! the horizontal one. Each element is replaced by the outline that plotters'
//! ab_glyph text backend (`plotters::style::font::ab_glyph`) would rasterise at that
//! spot, reproducing its layout rules exactly (including its integer rounding), so
//! the outlined SVG and the PNG agree to the pixel.

use std::fmt::Write as _;

use ab_glyph::{point, Font, FontRef, GlyphId, OutlineCurve, Point, PxScale, ScaleFont};

/// A `<text` element that this module cannot reproduce; it is never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot outline SVG text at byte {offset}: {reason} in `{element}`")]
pub struct OutlineError {
    /// Byte offset of the element's `<` in the input.
    pub offset: usize,
    /// The element's first 160 characters.
    pub element: String,
    pub reason: String,
}

/// Replaces every `<text>` element of `svg` (as written by plotters-svg 0.3.7) with a
/// `<path>` of the glyph outlines, keeping its `fill`, `opacity` and `transform`.
/// Text with `font-weight="bold"` uses `bold`; everything else uses `regular` (as the
/// ab_glyph backend falls back to the normal style for italic/oblique). Whitespace-only
/// text is removed. Everything outside `<text>` elements is copied byte for byte.
///
/// Pass the fonts registered with plotters (`register_font`) for the chart's family,
/// so that the SVG matches its layout, which plotters computed from those fonts.
pub fn outline_text(svg: &str, regular: &FontRef, bold: &FontRef) -> Result<String, OutlineError> {
    const CLOSE: &str = "</text>";
    let mut out = String::with_capacity(svg.len() * 3);
    let mut pos = 0;
    while let Some(found) = svg[pos..].find("<text") {
        let start = pos + found;
        out.push_str(&svg[pos..start]);
        let fail = |element: &str, reason: String| OutlineError {
            offset: start,
            element: element.chars().take(160).collect(),
            reason,
        };
        let end = svg[start..]
            .find(CLOSE)
            .map(|i| start + i + CLOSE.len())
            .ok_or_else(|| fail(&svg[start..], "no closing </text>".into()))?;
        let element = &svg[start..end];
        let text = TextElement::parse(element).map_err(|reason| fail(element, reason))?;
        pos = end;
        let font = if text.bold { bold } else { regular };
        match text.to_path(font) {
            Some(path) => out.push_str(&path),
            // Nothing to draw: drop the element together with its line break.
            None => pos += usize::from(svg[pos..].starts_with('\n')),
        }
    }
    out.push_str(&svg[pos..]);
    Ok(out)
}

/// One parsed `<text>` element.
#[derive(Debug)]
struct TextElement<'a> {
    x: i32,
    y: i32,
    /// Halves of the layout box's width and height to move the text left and up:
    /// 0 for start/top, 1 for middle/centre, 2 for end/bottom.
    anchor: (i32, i32),
    /// The `font-size` attribute: plotters' font size / 1.24.
    font_size: f64,
    bold: bool,
    /// Attribute values, still escaped, copied verbatim to the path.
    fill: &'a str,
    opacity: &'a str,
    transform: Option<&'a str>,
    /// Clockwise quarter turns from `transform="rotate(..)"`: 0–3.
    quarter_turns: u8,
    text: String,
}

const ATTRIBUTES: [&str; 11] = [
    "x",
    "y",
    "dy",
    "text-anchor",
    "font-family",
    "font-size",
    "opacity",
    "fill",
    "font-weight",
    "font-style",
    "transform",
];

impl<'a> TextElement<'a> {
    fn parse(element: &'a str) -> Result<Self, String> {
        let open_end = element.find('>').ok_or("unterminated start tag")?;
        let attrs = element[..open_end]
            .strip_prefix("<text")
            .filter(|a| a.is_empty() || a.starts_with(char::is_whitespace))
            .ok_or("not a <text> start tag")?;
        // The content is "\n{escaped text}\n" (plotters puts both line breaks around it).
        let body = &element[open_end + 1..element.len() - "</text>".len()];
        let body = body.strip_prefix('\n').unwrap_or(body);
        let body = body.strip_suffix('\n').unwrap_or(body);

        let attrs = attributes(attrs)?;
        for (i, (name, value)) in attrs.iter().enumerate() {
            if !ATTRIBUTES.contains(name) {
                return Err(format!("unexpected attribute {name}=\"{value}\""));
            }
            if attrs[..i].iter().any(|(n, _)| n == name) {
                return Err(format!("duplicate attribute {name}"));
            }
        }
        let get = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|&(_, v)| v);
        let need = |name: &str| get(name).ok_or_else(|| format!("missing {name} attribute"));
        let bad = |name: &str, value: &str| format!("unsupported {name}=\"{value}\"");
        let int = |name| need(name)?.parse::<i32>().map_err(|_| bad(name, get(name).unwrap_or("")));
        let (x, y) = (int("x")?, int("y")?);
        let anchor_x = match need("text-anchor")? {
            "start" => 0,
            "middle" => 1,
            "end" => 2,
            other => return Err(bad("text-anchor", other)),
        };
        let anchor_y = match need("dy")? {
            "0.76em" => 0,
            "0.5ex" => 1,
            "-0.5ex" => 2,
            other => return Err(bad("dy", other)),
        };
        let font_size = match need("font-size")?.parse::<f64>() {
            Ok(size) if size.is_finite() && size > 0.0 => size,
            _ => return Err(bad("font-size", get("font-size").unwrap_or(""))),
        };
        let bold = match get("font-weight") {
            None => false,
            Some("bold") => true,
            Some(other) => return Err(bad("font-weight", other)),
        };
        match get("font-style") {
            None | Some("italic" | "oblique") => {}
            Some(other) => return Err(bad("font-style", other)),
        }
        need("font-family")?; // any family: the caller's fonts stand for it
        let transform = get("transform");
        Ok(Self {
            x,
            y,
            anchor: (anchor_x, anchor_y),
            font_size,
            bold,
            fill: need("fill")?,
            opacity: need("opacity")?,
            transform,
            quarter_turns: transform.map_or(Ok(0), |t| parse_rotation(t, x, y))?,
            text: unescape(body)?,
        })
    }

    /// The `<path .../>` element, or `None` when there is no ink.
    fn to_path(&self, font: &FontRef) -> Option<String> {
        if self.text.trim().is_empty() {
            return None;
        }
        let d = self.path_data(font);
        if d.is_empty() {
            return None;
        }
        let mut path = format!(r#"<path d="{d}" fill="{}" opacity="{}""#, self.fill, self.opacity);
        if let Some(t) = self.transform {
            write!(path, r#" transform="{t}""#).unwrap();
        }
        path.push_str("/>");
        Some(path)
    }

    /// Mirrors plotters' ab_glyph `estimate_layout` + `draw` and the default
    /// `DrawingBackend::draw_text` that places the result (plotters 0.3.7).
    fn path_data(&self, font: &FontRef) -> String {
        // plotters scales by its font size in px (ascent − descent = size), and the SVG
        // backend wrote that size / 1.24; `as f32` absorbs the round trip's last ulp.
        let size = (self.font_size * 1.24) as f32;
        let scaled = font.as_scaled(PxScale::from(size));
        let scale = scaled.scale_factor();
        let ids: Vec<GlyphId> = self.text.chars().map(|c| scaled.glyph_id(c)).collect();

        // Layout box: width summed as in `estimate_layout`, height = trunc(size / 1.24).
        let mut width = 0f32;
        for (i, &id) in ids.iter().enumerate() {
            width += scaled.h_advance(id);
            if i > 0 {
                width += scaled.kern(ids[i - 1], id);
            }
        }
        let (w, h) = (width as i32, self.font_size as i32);
        // As in `DrawingBackend::draw_text`: -w / 2 for centre, -w for right (and so up).
        let (dx, dy) = (-(w * self.anchor.0) / 2, -(h * self.anchor.1) / 2);
        // The bitmap backend rotates integer pixel indices, which moves a rotated pixel
        // by one against the exact rotation of its square; shift before rotating to match.
        let (rx, ry) = match self.quarter_turns {
            1 => (0, -1),
            2 => (-1, -1),
            3 => (-1, 0),
            _ => (0, 0),
        };
        let (base_x, base_y) = (self.x + dx + rx, self.y + dy + ry);

        let mut d = PathData::default();
        let mut pen = 0f32;
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 {
                pen += scaled.kern(ids[i - 1], id);
            }
            // Glyphs without an outline (spaces) only advance the pen; a missing
            // character maps to glyph 0 (.notdef) and is drawn as such, like the rasteriser.
            if let Some(outline) = font.outline(id) {
                let px = outline.px_bounds(scale, point(0.0, 0.0));
                // plotters draws the glyph's pixel box (not its origin) at the truncated
                // pen position, and its top at trunc(size / 2 + box top) below the anchor.
                let y_shift = (size / 2.0 + px.min.y) as i32;
                let origin =
                    point((base_x + pen as i32) as f32 - px.min.x, (base_y + y_shift) as f32 - px.min.y);
                // Font units point up; SVG's y axis points down.
                let map =
                    |p: Point| point(origin.x + p.x * scale.horizontal, origin.y - p.y * scale.vertical);
                d.push_glyph(&outline.curves, map);
            }
            pen += scaled.h_advance(id);
        }
        d.d
    }
}

/// Path data in relative commands (m/l/q/c/z) between points rounded to 1/100 px:
/// compact, and free of drift because every delta is taken between rounded points.
#[derive(Default)]
struct PathData {
    d: String,
    /// Current point and start of the current contour, in hundredths of a pixel.
    at: (i64, i64),
    start: (i64, i64),
}

impl PathData {
    /// Appends `curves`: one glyph, whose contours ab_glyph closes with a line back to
    /// their start. A path is filled with its subpaths closed implicitly, so a closing
    /// line becomes `z` and a contour that ends with a curve needs none.
    fn push_glyph(&mut self, curves: &[OutlineCurve], map: impl Fn(Point) -> Point) {
        // (contour start, current point) in font units, compared exactly.
        let mut current: Option<(Point, Point)> = None;
        for curve in curves {
            let (from, to) = match *curve {
                OutlineCurve::Line(a, b) if a == b => continue,
                OutlineCurve::Line(a, b) | OutlineCurve::Quad(a, _, b) | OutlineCurve::Cubic(a, _, _, b) => {
                    (a, b)
                }
            };
            let start = match current {
                Some((start, at)) if at == from => start,
                _ => {
                    self.command('m', &[map(from)]);
                    from
                }
            };
            match *curve {
                OutlineCurve::Line(..) if to == start => self.close(),
                OutlineCurve::Line(_, b) => self.command('l', &[map(b)]),
                OutlineCurve::Quad(_, c, b) => self.command('q', &[map(c), map(b)]),
                OutlineCurve::Cubic(_, c1, c2, b) => self.command('c', &[map(c1), map(c2), map(b)]),
            }
            current = Some((start, to));
        }
    }

    /// All points of a relative command are relative to the current point before it.
    fn command(&mut self, cmd: char, points: &[Point]) {
        let origin = self.at;
        let deltas: Vec<i64> = points
            .iter()
            .flat_map(|p| {
                self.at = (hundredths(p.x), hundredths(p.y));
                [self.at.0 - origin.0, self.at.1 - origin.1]
            })
            .collect();
        // Axis-parallel lines (most of them in glyphs) shorten to h/v.
        let (cmd, deltas) = match (cmd, &deltas[..]) {
            ('l', &[_, 0]) => ('h', &deltas[..1]),
            ('l', &[0, _]) => ('v', &deltas[1..]),
            _ => (cmd, &deltas[..]),
        };
        self.d.push(cmd);
        for (i, &delta) in deltas.iter().enumerate() {
            if i > 0 && delta >= 0 {
                self.d.push(' '); // a minus sign separates numbers by itself
            }
            push_num(&mut self.d, delta);
        }
        if cmd == 'm' {
            self.start = self.at;
        }
    }

    fn close(&mut self) {
        self.d.push('z');
        self.at = self.start;
    }
}

fn hundredths(v: f32) -> i64 {
    (f64::from(v) * 100.0).round() as i64
}

/// Writes `hundredths / 100` without trailing zeros ("12", "-3.5", "0.25"), using
/// integer arithmetic so the bytes never depend on float formatting.
fn push_num(d: &mut String, hundredths: i64) {
    if hundredths < 0 {
        d.push('-');
    }
    let (whole, frac) = (hundredths.abs() / 100, hundredths.abs() % 100);
    write!(d, "{whole}").unwrap();
    match frac {
        0 => {}
        f if f % 10 == 0 => write!(d, ".{}", f / 10).unwrap(),
        f => write!(d, ".{f:02}").unwrap(),
    }
}

/// Splits `name="value"` pairs separated by whitespace (plotters uses double quotes).
fn attributes(mut s: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(out);
        }
        let (name, rest) = s.split_once("=\"").ok_or_else(|| format!("malformed attributes `{s}`"))?;
        let (value, rest) = rest.split_once('"').ok_or_else(|| format!("unterminated value of {name}"))?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("malformed attribute name `{name}`"));
        }
        out.push((name, value));
        s = rest;
    }
}

/// Parses `rotate(A, X, Y)` as written by plotters: A a multiple of 90 and (X, Y) the
/// text's own anchor, which is what the bitmap backend rotates about.
fn parse_rotation(t: &str, x: i32, y: i32) -> Result<u8, String> {
    let bad = || format!("unsupported transform=\"{t}\"");
    let args = t.strip_prefix("rotate(").and_then(|r| r.strip_suffix(')')).ok_or_else(bad)?;
    let nums: Vec<i32> =
        args.split(',').map(|n| n.trim().parse()).collect::<Result<_, _>>().map_err(|_| bad())?;
    match nums[..] {
        [angle, cx, cy] if cx == x && cy == y && angle.rem_euclid(90) == 0 => {
            Ok((angle.rem_euclid(360) / 90) as u8)
        }
        _ => Err(bad()),
    }
}

/// Undoes plotters' escaping; any other entity means the input is not plotters output.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let (entity, c) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&apos;", '\'')]
            .into_iter()
            .find(|(e, _)| tail.starts_with(e))
            .ok_or_else(|| format!("unknown entity at `{}`", tail.chars().take(12).collect::<String>()))?;
        out.push(c);
        rest = &tail[entity.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[path = "svg_text_tests.rs"]
mod tests;
