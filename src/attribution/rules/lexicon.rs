//! Word lists the rules consult: cue verbs, words that may head a source mention, and the
//! function words that bound one. The lists were written for newsquotes and kept to the verbs
//! of saying, reporting and stated belief that news attributions use; they are in English and
//! in code (not data files) because the rules that read them are English-specific too.

/// How strongly a cue word signals an attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueStrength {
    /// A verb of saying: a following clause is reported speech ("said", "insisted").
    Speech,
    /// A verb of belief or stance: reported only with an explicit `that` complement or when
    /// the content comes first ("believes that ...", "..., she thinks").
    Belief,
}

/// Verbs of saying and reporting, in every inflected form that introduces speech (besides
/// those in [`WEAK_AS_INDIRECT`], which are cues too).
const SPEECH_CUES: &[&str] = &[
    "remind", "reminds", "reminded", "inform", "informed", "say", "says", "said", "saying", "tell",
    "tells", "told", "telling", "add", "adds", "added", "adding", "insist", "insists", "insisted",
    "insisting", "argue", "argues", "argued", "arguing", "claim", "claims", "claimed", "claiming",
    "warn", "warns", "warned", "warning", "noted", "noting", "stated", "explain", "explains",
    "explained", "explaining", "declare", "declares", "declared", "declaring", "announce",
    "announces", "announced", "announcing", "assert", "asserts", "asserted", "asserting",
    "maintain", "maintains", "maintained", "contend", "contends", "contended", "acknowledge",
    "acknowledges", "acknowledged", "acknowledging", "admit", "admits", "admitted", "admitting",
    "concede", "concedes", "conceded", "conceding", "confirm", "confirms", "confirmed",
    "confirming", "deny", "denies", "denied", "denying", "reply", "replies", "replied", "respond",
    "responds", "responded", "write", "writes", "wrote", "writing", "reported", "reporting",
    "suggest", "suggests", "suggested", "suggesting", "predict", "predicts", "predicted",
    "predicting", "estimate", "estimates", "estimated", "promise", "promises", "promised",
    "promising", "vow", "vows", "vowed", "vowing", "pledge", "pledges", "pledged", "pledging",
    "threaten", "threatens", "threatened", "threatening", "complain", "complains", "complained",
    "complaining", "allege", "alleges", "alleged", "alleging", "recalled", "recalling", "remark",
    "remarked", "observe", "observes", "observed", "emphasize", "emphasizes", "emphasized",
    "emphasise", "emphasises", "emphasised", "emphasizing", "stress", "stresses", "stressed",
    "stressing", "reiterate", "reiterates", "reiterated", "reiterating", "testify", "testifies",
    "testified", "tweet", "tweets", "tweeted", "tweeting", "quip", "quips", "quipped", "joke",
    "jokes", "joked", "shout", "shouts", "shouted", "yell", "yelled", "whisper", "whispered",
    "wonder", "wonders", "wondered", "conclude", "concludes", "concluded", "cautioned",
    "countered", "retort", "retorts", "retorted", "mentions", "mentioned", "boast", "boasts",
    "boasted", "lament", "laments", "lamented", "agree", "agrees", "agreed", "disclose",
    "discloses", "disclosed", "reveal", "reveals", "revealed", "revealing", "indicate",
    "indicates", "indicated", "signaled", "signalled", "hint", "hinted", "assure", "assured",
    "assures", "guarantee", "guaranteed", "brag", "bragged", "scoff", "scoffed", "snapped", "sigh",
    "sighed", "exclaim", "exclaimed", "cried", "reckon", "reckons", "reckoned", "speculate",
    "speculated", "posit", "posited", "continue", "continues", "continued", "read", "reads",
    "sing", "sings", "sang", "post", "posted", "posts", "tout", "touts", "insinuate", "insinuated",
];

/// Verbs of belief or stance.
const BELIEF_CUES: &[&str] = &[
    "believe", "believes", "believed", "think", "thinks", "thought", "feel", "feels", "felt",
    "fear", "fears", "feared", "hope", "hopes", "hoped", "expect", "expects", "expected", "worry",
    "worries", "worried", "doubt", "doubts", "doubted", "know", "knows", "knew", "understand",
    "understands", "understood", "learn", "learns", "learned", "learnt", "suspect", "suspects",
    "suspected", "assume", "assumes", "assumed", "acknowledge",
];

/// Cue verbs whose object is the addressee, not the content ("told reporters that ...").
pub const ADDRESSEE_CUES: &[&str] = &[
    "tell", "tells", "told", "telling", "assure", "assured", "assures", "warn", "warned", "warns",
    "remind", "reminded", "inform", "informed", "ask", "asked", "urge", "urged",
];

/// Present participles that continue an attribution after a comma (", saying ...").
pub const PARTICIPLE_CUES: &[&str] = &[
    "saying", "adding", "arguing", "insisting", "noting", "warning", "explaining", "claiming",
    "stressing", "asserting", "declaring", "suggesting", "calling", "describing", "acknowledging",
    "admitting", "conceding", "telling", "promising", "vowing", "urging",
];

/// Cue verbs that, alone after a quote, are too often not attributions unless a source is
/// right beside them ("called", "found", "show"), so they never open indirect speech.
const WEAK_AS_INDIRECT: &[&str] = &[
    "cite", "cites", "cited", "condemn", "condemns", "condemned", "identified", "rated", "labeled",
    "labelled", "dubbed", "branded", "termed", "mocked", "attacked", "blamed", "defended",
    "questioned", "lauded", "derided", "dismissed", "decried", "touted", "call", "calls", "called",
    "find", "found", "finds", "show", "shows", "showed", "rule", "ruled", "describe", "described",
    "describes", "hail", "hailed", "praise", "praised", "praises", "blast", "blasted", "slam",
    "slammed", "demand", "demands", "demanded", "urge", "urges", "urged", "urging", "propose",
    "proposed", "proposes", "recommend", "recommended", "recommends", "charge", "charges",
    "charged", "accuse", "accused", "criticize", "criticized", "criticise", "criticised",
    "denounce", "denounced", "denounces", "advise", "advised", "advises", "ask", "asks", "asked",
    "asking", "state", "states", "report", "reports", "note", "notes", "remarks", "counter",
    "counters", "mention", "signal", "signals", "repeat", "repeats", "repeated", "cry", "snap",
    "caution", "cautions",
];

/// The strength of `word` as a cue, if it is one (case-insensitive on the first letter).
pub fn cue_strength(word: &str) -> Option<CueStrength> {
    let lower = word.to_ascii_lowercase();
    if SPEECH_CUES.contains(&lower.as_str()) || WEAK_AS_INDIRECT.contains(&lower.as_str()) {
        Some(CueStrength::Speech)
    } else if BELIEF_CUES.contains(&lower.as_str()) {
        Some(CueStrength::Belief)
    } else {
        None
    }
}

/// True for cue verbs that must not open indirect speech on their own.
pub fn weak_as_indirect(word: &str) -> bool {
    WEAK_AS_INDIRECT.contains(&word.to_ascii_lowercase().as_str())
}

/// Auxiliaries and adverbs that may stand between a source and its cue ("has also said").
pub const BETWEEN_SOURCE_AND_CUE: &[&str] = &[
    "’s", "’ve", "’d", "’ll", "has", "have", "had", "would", "will", "did", "does", "do", "also",
    "later", "again", "then", "previously", "earlier", "repeatedly", "once", "further", "recently",
    "frequently", "often", "publicly", "privately", "separately", "flatly", "firmly", "quickly",
    "simply", "still", "even", "clearly", "bluntly", "angrily", "openly", "reportedly", "already",
    "initially", "subsequently", "ultimately", "finally", "now", "has", "is", "was", "being",
    "had", "could", "may", "might", "should", "not", "never", "too", "specifically",
];

/// Personal pronouns that can be the source of an attribution.
pub const SUBJECT_PRONOUNS: &[&str] = &[
    "he", "she", "they", "it", "we", "i", "you", "He", "She", "They", "It", "We", "I", "You",
];

/// Object pronouns, for "quoted him as saying" and "according to her".
pub const OBJECT_PRONOUNS: &[&str] = &["him", "her", "them", "it", "us", "me", "you"];

/// Lower-case singular nouns that may head a source mention ("a spokesman"); plural
/// ones are in [`GROUP_NOUNS`].
pub const SOURCE_HEADS: &[&str] = &[
    "spokesman", "spokeswoman", "spokesperson", "spokespeople", "official", "source", "minister",
    "ministry", "president", "secretary", "analyst", "expert", "police", "prosecutor", "lawyer",
    "attorney", "aide", "adviser", "advisor", "resident", "critic", "leader", "side", "government",
    "company", "firm", "statement", "report", "reports", "study", "survey", "poll", "polls",
    "campaign", "committee", "council", "court", "judge", "governor", "mayor", "senator",
    "lawmaker", "legislator", "representative", "member", "economist", "researcher", "scientist",
    "doctor", "officer", "director", "chief", "executive", "chairman", "chairwoman", "chair",
    "manager", "agency", "department", "office", "union", "party", "administration", "candidate",
    "nominee", "voter", "witness", "group", "diplomat", "envoy", "ambassador", "negotiator",
    "regulator", "board", "bank", "newspaper", "paper", "network", "website", "outlet", "document",
    "documents", "letter", "memo", "filing", "complaint", "lawsuit", "data", "figures", "figure",
    "chancellor", "premier", "counterpart", "colleague", "friend", "family", "teacher", "student",
    "worker", "employee", "owner", "founder", "coach", "player", "pundit", "strategist",
    "pollster", "historian", "professor", "activist", "person", "man", "woman", "official’s",
    "team", "military", "army", "delegation", "kremlin", "administration’s", "authority", "regime",
    "leadership", "camp", "operative", "insider", "journalist", "reporter", "editor", "commission",
    "commissioner", "inspector", "auditor", "panel", "jury", "consultant", "partner",
];

/// Lower-case plural nouns that head a mention of a group ("officials", "both sides").
pub const GROUP_NOUNS: &[&str] = &[
    "officials", "sources", "analysts", "experts", "prosecutors", "lawyers", "attorneys", "aides",
    "advisers", "advisors", "residents", "critics", "leaders", "sides", "authorities", "lawmakers",
    "legislators", "representatives", "members", "economists", "researchers", "scientists",
    "doctors", "officers", "executives", "managers", "voters", "supporters", "opponents",
    "protesters", "demonstrators", "witnesses", "people", "groups", "organisers", "organizers",
    "observers", "diplomats", "negotiators", "investigators", "regulators", "colleagues",
    "friends", "families", "relatives", "teachers", "students", "workers", "employees", "owners",
    "players", "fans", "commentators", "pundits", "strategists", "pollsters", "activists",
    "advocates", "campaigners", "insiders", "men", "women", "others", "many", "some", "both",
    "staff", "ministries", "governments", "countries", "states", "nations", "allies", "parties",
    "delegations", "operatives", "journalists", "reporters", "editors", "auditors", "consultants",
    "partners", "participants", "respondents", "americans", "democrats", "republicans", "judges",
    "senators", "unions", "officials’", "parents", "forecasters", "shoppers", "passengers",
    "patients", "farmers", "locals", "neighbours", "neighbors", "commuters", "traders",
    "investors", "bankers", "unionists",
];

/// Determiners and quantifiers that open a described source ("a spokesman", "both sides").
pub const DETERMINERS: &[&str] = &[
    "the", "a", "an", "another", "both", "two", "three", "four", "several", "many", "some", "most",
    "other", "its", "his", "her", "their", "our", "one", "these", "those", "each", "all", "few",
    "numerous", "various", "top",
];

/// Capitalised words that open sentences or clauses but never belong to a name.
pub const NON_NAME_CAPS: &[&str] = &[
    "But", "And", "Or", "So", "Yet", "However", "Meanwhile", "Still", "Now", "Then", "Also",
    "Later", "Earlier", "Instead", "Here", "There", "This", "That", "These", "Those", "In", "On",
    "At", "For", "With", "After", "Before", "When", "While", "If", "As", "Asked", "Though",
    "Although", "Because", "Since", "During", "Despite", "Under", "Thus", "Even", "Only", "Last",
    "Next", "Yesterday", "Today", "Tomorrow", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "What", "Why", "How", "Who", "Where", "Which", "Not", "No",
    "Yes", "It", "Its", "His", "Her", "Their", "Our", "My", "Your", "We", "They", "He", "She", "I",
    "You", "Some", "Many", "Most", "All", "Each", "Every", "Both", "To", "From", "By", "Of",
    "About", "Asked", "Speaking", "Writing", "Separately", "Overall", "Indeed", "Moreover",
    "Furthermore", "Nevertheless", "Nonetheless", "Finally", "First", "Second", "Third", "Like",
    "Unlike", "Among", "Between", "Without", "Within", "Once",
];

/// True for words that are capitalised because they are names (or name-like titles).
pub fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_uppercase() || (first.is_ascii_digit() && word.len() > 1 && word.ends_with("th")))
        && !NON_NAME_CAPS.contains(&word)
}
