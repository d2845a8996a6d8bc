//! Rule merging for `--extractor model-rules`: the rule extractor's attributions are added
//! where the tagger found no content.

use crate::attribution::Attribution;

/// Adds the attributions of `extra` whose content overlaps none of `found`, keeping text order.
pub fn fill_gaps(found: &mut Vec<Attribution>, extra: Vec<Attribution>) {
    let overlaps = |a: &Attribution, b: &Attribution| {
        a.content
            .iter()
            .any(|x| b.content.iter().any(|y| x.start < y.end && y.start < x.end))
    };
    let added: Vec<Attribution> = extra
        .into_iter()
        .filter(|e| !found.iter().any(|f| overlaps(f, e)))
        .collect();
    found.extend(added);
    found.sort_by_key(|a| a.content.first().map_or(0, |r| r.start));
}
