//! The numbered figures. Each reads datasets/ through the same pipeline as
//! `emerge analyze` and draws with the same chart code; every number a title or note
//! quotes is computed from the data here.
//!
//! This module holds the table ([`CATALOG`]), the operators each dataset is composed
//! with and the figure frame (title, footer, size); `selection` finds series in a
//! report, `styles` holds the colours, markers and panel touches the figures share,
//! and the builders are grouped by the paper they follow: `mirage` (the seed example,
//! Schaeffer et al. 2023 and the emergence surface), `gpt3` (Brown et al. 2020),
//! `flan` (Chung et al. 2022), `wei` (Wei et al. 2022), `pythia` (Biderman et al.
//! 2023) and `scores` (Srivastava et al. 2022's emergence score).

mod flan;
mod gpt3;
mod mirage;
mod pythia;
mod scores;
mod selection;
mod styles;
mod wei;

use super::FigureDef;
use crate::render::overview::grid_size;
use crate::render::{Figure, Panel};
use flan::{bbh, mmlu};
use gpt3::gpt3_arithmetic;
use mirage::{emergence_surface, mirage, seed_example};
use pythia::pythia;
use scores::emergence_scores;
use wei::wei_scales;

pub const CATALOG: &[FigureDef] = &[
    FigureDef {
        number: 1,
        stem: "fig1_seed_example",
        title: "Five smooth subtasks, one \"emergent\" compound",
        caption: "Five independent subtasks each improve from 40% to 60% across six model sizes; the \
                  share of items with all five correct rises from 0.4^5 = 1.02% to 0.6^5 = 7.78%. On a \
                  linear axis (a) the compound lies flat and then turns up; on a log axis (b) it is a \
                  steady line. The dashed curve composes the subtasks' fitted trends.",
        sources: &["seed_example.csv"],
        build: seed_example,
    },
    FigureDef {
        number: 2,
        stem: "fig2_mirage_mechanism",
        title: "Schaeffer et al. (2023), Fig. 2: the metric makes the jump",
        caption: "A per-token probability p that improves smoothly with size (a), scored by exact match of \
                  an L-token answer, p^L (b), rises ever more abruptly as L grows; scored by expected \
                  token edit distance, L(1 − p) (c), it improves smoothly for every L. The four sizes are \
                  the GPT-3 API models.",
        sources: &["mirage_toy_model.csv"],
        build: mirage,
    },
    FigureDef {
        number: 3,
        stem: "fig3_gpt3_arithmetic",
        title: "GPT-3 arithmetic by size",
        caption: "Two-digit addition (a) and subtraction (b) for the eight GPT-3 sizes, zero-, one- and \
                  few-shot (Brown et al. 2020), and all ten arithmetic tasks at 175B (c). The sharp rise \
                  between 6.7B and 13B is the textbook example of an emergent ability.",
        sources: &["gpt3_arithmetic.csv"],
        build: gpt3_arithmetic,
    },
    FigureDef {
        number: 4,
        stem: "fig4_bbh_architectures",
        title: "BIG-Bench Hard by architecture and prompting",
        caption: "The 18 BBH subtasks of Chung et al. (2022), composed into the subtask mean, \"at least \
                  half (9 of 18) correct\" and \"all 18 correct\", for T5 and Flan-T5 (encoder–decoder) \
                  and PaLM and Flan-PaLM (causal decoder), with direct answers (a, b) and chain-of-thought \
                  prompting (c, d). Instruction-tuned models solid, base models dotted.",
        sources: &["flan_bbh_subtasks_by_size.csv"],
        build: bbh,
    },
    FigureDef {
        number: 5,
        stem: "fig5_mmlu_architectures",
        title: "MMLU across families and architectures",
        caption: "Five-shot MMLU accuracy against size for every family in the bundled tables, coloured by \
                  architecture (causal decoder, prefix decoder, encoder–decoder): published results across \
                  papers (a) and Chung et al.'s (2022) matched base and instruction-tuned pairs (b). The \
                  grey line is chance (25%).",
        sources: &["mmlu_multifamily_by_size.csv"],
        build: mmlu,
    },
    FigureDef {
        number: 6,
        stem: "fig6_emergence_surface",
        title: "The emergence surface",
        caption: "P(all k subtasks correct) = p^k for independent subtasks, over the per-subtask rate p and \
                  the number of subtasks k, with its 1%, 5% and 50% contours. The seed example's models \
                  (k = 5, p from 40% to 60%) move smoothly in p, yet cross the contours late and fast. \
                  Flan-PaLM on BBH with direct answers (k = 18, at the per-subtask rate each model's \
                  all-correct rate implies) improves too, but stays far from even the 1% contour.",
        sources: &["seed_example.csv", "flan_bbh_subtasks_by_size.csv"],
        build: emergence_surface,
    },
    FigureDef {
        number: 7,
        stem: "fig7_wei_emergence_scales",
        title: "Wei et al. (2022): reported emergence scales on the curves",
        caption: "The model sizes at which Wei et al. (2022, Table 1) report an ability emerging, drawn as \
                  vertical lines on the size curves that the bundled datasets hold for the same task and \
                  family.",
        sources: &[
            "wei2022_emergence_scales.csv",
            "mmlu_multifamily_by_size.csv",
            "wei2022_cot_arithmetic_reasoning_by_size.csv",
        ],
        build: wei_scales,
    },
    FigureDef {
        number: 8,
        stem: "fig8_pythia_mmlu",
        title: "Pythia on MMLU: 57 subjects vs at-least-K",
        caption: "The 16 Pythia final checkpoints (standard and deduplicated training data) on MMLU's 57 \
                  subjects, zero- and five-shot, read directly from the lm-evaluation-harness 0.3 output. \
                  Grey: each subject; coloured: the subject mean, and the chance of answering at least \
                  15 (or 29) of 57 questions correctly, one per subject, if subjects were independent. \
                  Near chance (25%), the strictest compound stays at 0%.",
        sources: &["pythia-lm-eval-0.3/"],
        build: pythia,
    },
    FigureDef {
        number: 9,
        stem: "fig9_emergence_scores",
        title: "Emergence scores by metric over every series in datasets/",
        caption: "The emergence score (Srivastava et al. 2022) of every series that the figures above \
                  analyse, grouped by the metric that scores it, on a symmetric log axis, coloured by \
                  dataset; the notes give each metric's median. Subtask scores fall as often as they rise \
                  at these sizes (negative scores); the extreme scores belong to strict compounds that sit \
                  near 0% and then move once.",
        sources: &[
            "seed_example.csv",
            "mirage_toy_model.csv",
            "gpt3_arithmetic.csv",
            "flan_bbh_subtasks_by_size.csv",
            "mmlu_multifamily_by_size.csv",
            "wei2022_cot_arithmetic_reasoning_by_size.csv",
            "pythia-lm-eval-0.3/",
        ],
        build: emergence_scores,
    },
];

const SEED_OPS: &[&str] = &["all", "mean"];
const MIRAGE_OPS: &[&str] = &[
    "exact:1",
    "exact:2",
    "exact:3",
    "exact:4",
    "exact:5",
    "editdist:1",
    "editdist:2",
    "editdist:3",
    "editdist:4",
    "editdist:5",
];
const BBH_OPS: &[&str] = &["mean", "atleast:9", "all"];
const PYTHIA_OPS: &[&str] = &["mean", "atleast:15", "atleast:29"];

fn footer(sources: &[&str]) -> String {
    if sources.len() > 2 {
        return format!(
            "emerge figures · data: {} files in datasets/, listed in figures/README.md (provenance: datasets/README.md)",
            sources.len()
        );
    }
    let files: Vec<String> = sources.iter().map(|s| format!("datasets/{s}")).collect();
    format!("emerge figures · data: {} (provenance: datasets/README.md)", files.join(", "))
}

fn figure(number: u8, subtitle: String, panels: Vec<Panel>, columns: usize, notes: Vec<String>) -> Figure {
    let def = &CATALOG[usize::from(number) - 1];
    Figure {
        title: format!("Figure {number}. {}", def.title),
        subtitle,
        footer: footer(def.sources),
        size: grid_size(panels.len(), columns),
        panels,
        columns,
        notes,
    }
}
