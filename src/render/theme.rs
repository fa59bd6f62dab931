//! Fonts, colours and sizes shared by every chart.
//!
//! Fonts are compiled in (DejaVu Sans, Bitstream Vera licence, assets/fonts/) and
//! registered with plotters' ab_glyph backend, so charts render identically on a
//! machine without system fonts. Colours are the Okabe–Ito palette (Okabe & Ito 2008),
//! distinguishable under the common colour-vision deficiencies.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

pub const FONT: &str = "sans-serif";
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

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
