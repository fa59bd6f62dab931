//! Render: the last pipeline stage for pictures. Builds a [`Figure`] per chart from the
//! report and encodes it as PNG or SVG with plotters (`chart/` draws, `svg_text.rs`
//! turns SVG text into glyph outlines).
//!
//! Charts per group (task × family × metric × shots), in `group.rs`:
//! - `<name>_subtasks`: every subtask against parameters;
//! - `<name>_compound`: subtasks, the smooth `mean` and the strict compounds on one
//!   0–100% axis: the emergence "mirage" in one picture;
//! - `<name>_compound_log`, `<name>_compound_logit`: the same rates on a log axis, where
//!   a strict product of smoothly improving subtasks is a steady line, and on a logit
//!   axis, where a logistic trend is straight;
//! - `<name>_surface`: the emergence surface p^k with the models on it (`surface.rs`);
//! - `<name>_resolution`: the compounds against the detection floor of n items;
//! - `<name>_independence` (item-level inputs): the items' all-correct rate against
//!   the product of subtask rates that independence predicts;
//! - `<name>_editdist`: edit-distance compounds.
//!
//! Across groups, in `overview.rs`: `<task>_families` (families side by side) and
//! `emergence_scores` (every series' emergence score by metric).

pub mod backtest;
mod chart;
pub mod group;
pub mod overview;
pub mod select;
pub mod surface;
mod svg_text;
pub mod theme;

use std::path::{Path, PathBuf};

use plotters::prelude::*;

pub use select::ChartSelection;

pub use chart::{draw, Figure, Heatmap, Label, Line, Panel, RefLine, Scale, Shape, Strip, Stroke};

use crate::analyze::Series;
use crate::compose::Group;
use crate::files::write_atomically;
use crate::report::Report;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot draw chart {name}: {message}")]
    Draw { name: String, message: String },
    #[error(transparent)]
    Write(#[from] crate::files::FileError),
}

/// The image formats charts can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl std::str::FromStr for ImageFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(ImageFormat::Png),
            "svg" => Ok(ImageFormat::Svg),
            other => Err(format!("unknown image format {other:?}: use png or svg")),
        }
    }
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }
}

/// Draws `spec` and encodes it in `format`.
pub fn encode(spec: &Figure, format: ImageFormat) -> Result<Vec<u8>, RenderError> {
    let (w, h) = spec.size;
    let fail = |e: String| RenderError::Draw { name: spec.title.clone(), message: e };
    match format {
        ImageFormat::Png => {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                draw(&root, spec).map_err(|e| fail(e.to_string()))?;
            }
            let mut png = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new(&mut png);
            image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ColorType::Rgb8)
                .map_err(|e| fail(e.to_string()))?;
            Ok(png)
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                draw(&root, spec).map_err(|e| fail(e.to_string()))?;
            }
            let (regular, bold) = theme::fonts();
            let outlined = svg_text::outline_text(&svg, &regular, &bold).map_err(|e| fail(e.to_string()))?;
            Ok(outlined.into_bytes())
        }
    }
}

/// The charts a run drew, by file name (without directory), for `report.html`.
#[derive(Debug, Clone, Default)]
pub struct ChartIndex {
    pub selection: ChartSelection,
    /// Per group, in group order: its chart files (every format), empty when not drawn.
    pub groups: Vec<Vec<String>>,
    /// Why each group is worth a look, when it is (see [`select`]).
    pub flags: Vec<Option<select::Flag>>,
    /// Cross-group charts: families side by side, emergence scores.
    pub run: Vec<String>,
    /// Every file written, in chart order.
    pub paths: Vec<PathBuf>,
}

/// Draws the charts `selection` asks for into `dir`, returning what was drawn.
pub fn render_report(
    report: &Report,
    dir: &Path,
    formats: &[ImageFormat],
    selection: ChartSelection,
) -> Result<ChartIndex, RenderError> {
    let groups = &report.analysis.groups;
    let flags = select::flags(report);
    let mut index =
        ChartIndex { selection, groups: vec![Vec::new(); groups.len()], flags, ..Default::default() };
    if selection == ChartSelection::None || formats.is_empty() {
        return Ok(index);
    }
    // Stems over every group, so a group's file names do not depend on the selection.
    let stems = file_stems(groups);
    let figures_of = |g: usize| {
        let series: Vec<&Series> = report.analysis.series_of(&groups[g].key).collect();
        group::charts_for(report, &groups[g], &series)
    };
    let families = overview::families(report);
    let mut drawn: Vec<(usize, Vec<(&'static str, Figure)>)> = Vec::new();
    let mut wanted_families: Vec<String> = Vec::new();
    match selection {
        ChartSelection::All => {
            drawn = (0..groups.len()).map(|g| (g, figures_of(g))).collect();
            wanted_families = families.iter().map(|f| f.0.clone()).collect();
        }
        ChartSelection::Flagged => {
            let mut charts = 0;
            for g in select::priority(report, &index.flags) {
                if drawn.len() == select::MAX_GROUPS {
                    break;
                }
                let figures = figures_of(g);
                let family = families.iter().find(|f| f.1.contains(&g));
                let new_family = family.filter(|f| {
                    !wanted_families.contains(&f.0)
                        && f.1.len() <= select::MAX_FAMILY_PANELS
                        && wanted_families.len() < select::MAX_FAMILIES_CHARTS
                });
                let cost = figures.len() + usize::from(new_family.is_some());
                if charts + cost > select::MAX_CHARTS {
                    continue;
                }
                charts += cost;
                if let Some(f) = new_family {
                    wanted_families.push(f.0.clone());
                }
                drawn.push((g, figures));
            }
            drawn.sort_by_key(|d| d.0);
        }
        ChartSelection::None => unreachable!("returned above"),
    }
    let mut charts: Vec<(String, Figure)> = Vec::new();
    let mut owner: Vec<Option<usize>> = Vec::new();
    for (g, figures) in drawn {
        for (suffix, spec) in figures {
            charts.push((format!("{}_{suffix}", stems[g]), spec));
            owner.push(Some(g));
        }
    }
    for (stem, _, spec) in families.into_iter().filter(|f| wanted_families.contains(&f.0)) {
        charts.push((format!("{stem}_families"), spec));
        owner.push(None);
    }
    if let Some(spec) = overview::emergence_distribution(report) {
        charts.push(("emergence_scores".to_string(), spec));
        owner.push(None);
    }
    // A group named like a cross-group chart ("x_families") must not overwrite it.
    number_clashes(charts.iter_mut().map(|(stem, _)| stem));
    index.paths = write_charts(&charts, dir, formats)?;
    let per_chart = formats.len();
    for (i, path) in index.paths.iter().enumerate() {
        let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        match owner[i / per_chart] {
            Some(g) => index.groups[g].push(name),
            None => index.run.push(name),
        }
    }
    Ok(index)
}

/// Encodes every chart in every format into `dir` (in parallel; each file is written
/// atomically), returning the paths in chart order.
pub fn write_charts(
    charts: &[(String, Figure)],
    dir: &Path,
    formats: &[ImageFormat],
) -> Result<Vec<PathBuf>, RenderError> {
    use rayon::prelude::*;
    let jobs: Vec<(&String, &Figure, ImageFormat)> =
        charts.iter().flat_map(|(stem, spec)| formats.iter().map(move |&f| (stem, spec, f))).collect();
    jobs.par_iter()
        .map(|&(stem, spec, format)| {
            let path = dir.join(format!("{stem}.{}", format.extension()));
            write_atomically(&path, &encode(spec, format)?)?;
            Ok(path)
        })
        .collect()
}

/// A file-name stem per group: the task, plus whichever of family, metric and shots
/// vary within that task.
fn file_stems(groups: &[Group]) -> Vec<String> {
    let mut stems: Vec<String> = groups
        .iter()
        .map(|g| {
            let same_task: Vec<&Group> = groups.iter().filter(|o| o.key.task == g.key.task).collect();
            let varies = |f: &dyn Fn(&Group) -> String| same_task.iter().any(|o| f(o) != f(g));
            let mut parts = vec![g.key.task.clone()];
            if varies(&|o| o.key.family.clone()) {
                parts.push(g.key.family.clone());
            }
            if varies(&|o| o.key.metric.clone()) {
                parts.push(g.key.metric.clone());
            }
            if varies(&|o| o.key.shots.clone().unwrap_or_default()) {
                parts.push(format!("{}shot", g.key.shots.as_deref().unwrap_or("na")));
            }
            slug(&parts.join("_"))
        })
        .collect();
    // Different names can share a slug ("a b" and "a_b"): number the later ones.
    number_clashes(stems.iter_mut());
    stems
}

/// Appends `_2`, `_3`, ... to the second, third, ... occurrence of a name. Names that
/// differ only in case clash too: they would share a file on macOS and Windows.
fn number_clashes<'a>(names: impl IntoIterator<Item = &'a mut String>) {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut taken: std::collections::HashSet<String> = Default::default();
    for name in names {
        let count = seen.entry(name.to_ascii_lowercase()).or_insert(0);
        *count += 1;
        if *count > 1 || taken.contains(&name.to_ascii_lowercase()) {
            // "a_2" may itself be a name given later or earlier: take the next free number.
            let mut k = (*count).max(2);
            while taken.contains(&format!("{name}_{k}").to_ascii_lowercase()) {
                k += 1;
            }
            *name = format!("{name}_{k}");
        }
        taken.insert(name.to_ascii_lowercase());
    }
}

/// Longest file-name stem of a group, before its chart suffix.
const MAX_STEM: usize = 120;

/// Letters, digits, `-`, `_` and `.` kept; anything else becomes `_`; cut at [`MAX_STEM`].
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    let mut s = s.trim_matches('.').to_string();
    // File names stay well under the 255 bytes file systems allow, with room for a
    // chart suffix and a clash number; all ASCII, so any byte is a char boundary.
    s.truncate(MAX_STEM);
    if s.is_empty() {
        "task".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Figure {
        let line =
            Line::observed("T5 & Flan-T5 ≥ 5 · ρ".into(), theme::BLUE, 3, vec![(1e8, 0.1), (1e10, 0.4)]);
        let mut panel = Panel::over_params(Scale::Logit, "accuracy (%)".into(), vec![line]);
        panel.hlines.push(RefLine { at: 0.25, label: "chance".into(), color: theme::GREY });
        Figure::single("A title".into(), "a subtitle".into(), "a footer".into(), panel, vec!["a note".into()])
    }

    #[test]
    fn svg_text_is_outlined_and_output_is_deterministic() {
        let svg = String::from_utf8(encode(&sample(), ImageFormat::Svg).unwrap()).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("<text"), "text left for the viewer's fonts");
        assert!(svg.matches("<path").count() > 10);
        assert_eq!(svg.as_bytes(), encode(&sample(), ImageFormat::Svg).unwrap());
    }

    #[test]
    fn png_is_the_figure_size_and_deterministic() {
        let png = encode(&sample(), ImageFormat::Png).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, at bytes 16..24.
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), theme::SIZE);
        assert!(width >= 1600);
        assert_eq!(png, encode(&sample(), ImageFormat::Png).unwrap());
    }

    #[test]
    fn image_formats_parse() {
        assert_eq!("SVG".parse::<ImageFormat>(), Ok(ImageFormat::Svg));
        assert!("jpeg".parse::<ImageFormat>().unwrap_err().contains("png or svg"));
    }

    #[test]
    fn clashing_names_are_numbered_in_order() {
        let mut names: Vec<String> = ["a", "b", "a", "a"].map(String::from).to_vec();
        number_clashes(names.iter_mut());
        assert_eq!(names, ["a", "b", "a_2", "a_3"]);
        // Case-insensitive file systems, and a numbered name that already exists.
        let mut names: Vec<String> = ["Task", "task", "x_2", "x", "x"].map(String::from).to_vec();
        number_clashes(names.iter_mut());
        assert_eq!(names, ["Task", "task_2", "x_2", "x", "x_3"]);
        let mut names: Vec<String> = ["x", "x", "x_2"].map(String::from).to_vec();
        number_clashes(names.iter_mut());
        assert_eq!(names, ["x", "x_2", "x_2_2"]);
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("BBH / Boolean Expressions"), "BBH___Boolean_Expressions");
        assert_eq!(slug("seed_example"), "seed_example");
        assert_eq!(slug(".."), "task");
        assert_eq!(slug(&"a".repeat(300)).len(), MAX_STEM);
    }
}
