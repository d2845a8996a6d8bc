//! The target gate on labelled data: FNC-1's competition pairs put a headline (the target)
//! against an article body. Pairs the gate answers without the model (the body shares no
//! content word with the headline) must be the ones annotated as not taking a side
//! ("unrelated" or "discuss"); the share that are is what the gate's score claims.

mod corpus_common;

use corpus_common::shared_path;
use newsquotes::classify::relevance::{TargetGate, GATED_SCORE};
use newsquotes::classify::targets::Target;
use std::collections::HashMap;

fn rows(path: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn pairs_the_gate_answers_are_neutral_in_fnc1() {
    let Some(dir) = shared_path("data/stance/fnc1") else {
        return;
    };
    let bodies: HashMap<String, String> = rows(&dir.join("competition_test_bodies.csv"))
        .into_iter()
        .map(|r| (r["Body ID"].clone(), r["articleBody"].clone()))
        .collect();
    let (mut gated, mut neutral, mut pairs) = (0usize, 0usize, 0usize);
    for pair in rows(&dir.join("competition_test_stances.csv")) {
        let target = Target {
            name: pair["Headline"].clone(),
            aliases: Vec::new(),
            description: None,
        };
        pairs += 1;
        if !TargetGate::new(&[target])
            .concern(&bodies[&pair["Body ID"]])
            .concerns(0)
        {
            gated += 1;
            neutral += usize::from(matches!(pair["Stance"].as_str(), "unrelated" | "discuss"));
        }
    }
    let precision = neutral as f64 / gated as f64;
    eprintln!("FNC-1 competition pairs: {pairs}; gated {gated}; neutral among them {precision:.4}");
    // Most unrelated pairs (18,349 of 25,413) share some word with their body; the gate is for
    // the clear cases only.
    assert!(gated > pairs / 4, "{gated} of {pairs}");
    assert!(precision >= 0.995, "{precision}");
    assert!(
        (precision - f64::from(GATED_SCORE)).abs() < 0.005,
        "{precision} vs {GATED_SCORE}"
    );
}
