//! Fonts, colours and sizes shared by every chart.
//!
//! Fonts are compiled in (DejaVu Sans, Bitstream Vera licence, assets/fonts/) and
//! registered with plotters' ab_glyph backend, so charts render identically on a
//! machine without system fonts; SVG text is converted to outlines of the same glyphs
//! (svg_text.rs), so SVGs do not depend on the viewer's fonts either. Colours are the Okabe–Ito palette (Okabe & Ito 2008),
//! distinguishable under the common colour-vision deficiencies.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

pub const FONT: &str = "sans-serif";
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The bundled fonts as glyph sources: the SVG encoder outlines text with them.
pub fn fonts() -> (ab_glyph::FontRef<'static>, ab_glyph::FontRef<'static>) {
    // Compiled in and known to parse, as in `register_fonts`.
    let parse = |bytes: &'static [u8]| {
        ab_glyph::FontRef::try_from_slice(bytes).unwrap_or_else(|_| unreachable!("bundled fonts are valid"))
    };
    (parse(REGULAR), parse(BOLD))
}

/// Registers the bundled fonts once per process.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both files are compiled in and known to parse; a failure here is a build defect.
        plotters::style::register_font(FONT, FontStyle::Normal, REGULAR)
            .unwrap_or_else(|_| unreachable!("bundled DejaVuSans.ttf is a valid font"));
        plotters::style::register_font(FONT, FontStyle::Bold, BOLD)
            .unwrap_or_else(|_| unreachable!("bundled DejaVuSans-Bold.ttf is a valid font"));
    });
}

pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);

/// Okabe–Ito without black (kept for text) and yellow (too pale on white for lines).
pub const SERIES: [RGBColor; 6] = [BLUE, VERMILLION, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE];

pub const GREY: RGBColor = RGBColor(120, 120, 120);
pub const LIGHT_GREY: RGBColor = RGBColor(190, 190, 190);
pub const GRID: RGBColor = RGBColor(232, 232, 232);

/// Pixel size of every PNG (and the SVG viewport).
pub const SIZE: (u32, u32) = (1600, 1000);
pub const LEGEND_WIDTH: u32 = 420;

pub const TITLE_PX: f64 = 42.0;
pub const SUBTITLE_PX: f64 = 28.0;
pub const AXIS_PX: f64 = 30.0;
pub const TICK_PX: f64 = 26.0;
pub const LEGEND_PX: f64 = 25.0;
pub const FOOTER_PX: f64 = 20.0;
pub const PANEL_TITLE_PX: f64 = 28.0;
pub const LABEL_PX: f64 = 22.0;

/// Viridis (van der Walt & Smith, matplotlib), perceptually uniform and readable in
/// grey and under colour-vision deficiencies: the eleven stops at 0, 0.1, ..., 1.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// The viridis colour at `t` in [0, 1], interpolated linearly between stops.
pub fn viridis(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * 10.0;
    let i = (t.floor() as usize).min(9);
    let f = t - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
