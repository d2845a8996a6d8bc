//! Reading a mention: which words are a title, which a name, and whether it names a person,
//! an organisation or a group. The lists are small and English-news specific on purpose:
//! they decide between readings of a capitalised phrase, they do not find names.

use super::SpeakerKind;
use crate::attribution::rules::lexicon::GROUP_NOUNS;
use serde::{Deserialize, Serialize};

/// Words of titles and offices ("Deputy Foreign Minister", "Secretary of State").
const TITLE_WORDS: &[&str] = &[
    "President", "Vice", "Prime", "Minister", "Deputy", "Foreign", "Secretary", "State", "Defense",
    "Defence", "Finance", "Interior", "Justice", "General", "Gen.", "Lt.", "Col.", "Maj.", "Capt.",
    "Sgt.", "Adm.", "Sen.", "Rep.", "Gov.", "Mayor", "Governor", "Senator", "Representative",
    "Chancellor", "Chairman", "Chairwoman", "Chair", "Chief", "Executive", "Officer", "Director",
    "Spokesman", "Spokeswoman", "Spokesperson", "Ambassador", "Judge", "Attorney", "Dr.", "Prof.",
    "Professor", "Rev.", "Councillor", "Councilman", "Councilwoman", "Councilor", "Commissioner",
    "Inspector", "Superintendent", "Coach", "Captain", "Manager", "Head", "Leader", "Speaker",
    "Majority", "Minority", "Whip", "Press", "Secretary-General", "Undersecretary", "Assistant",
    "Associate", "Senior", "Special", "Envoy", "Adviser", "Advisor", "National", "Security",
    "Economy", "Economic", "Trade", "Health", "Education", "Environment", "Energy", "Labour",
    "Labor", "Transport", "Home", "Affairs", "Treasury", "Homeland", "Director-General", "King",
    "Queen", "Prince", "Princess", "Pope", "Bishop", "Archbishop", "Cardinal", "Sheriff",
    "Detective", "Sergeant", "Constable", "CEO", "CFO", "COO", "Founder", "Dean", "Rector",
    "President-elect", "Premier", "Lieutenant", "Colonel", "Major", "Admiral", "Marshal",
    "Brigadier", "Commander", "Magistrate", "Prosecutor", "Chief-Executive", "Economist",
    "Analyst", "Striker", "Midfielder", "Defender", "Goalkeeper", "Forward", "Regional",
    "Agriculture", "Culture", "Infrastructure", "Development", "Communications", "Industry",
    "Planning", "Housing", "Works", "Fisheries", "Budget", "Court", "Supreme", "High", "District",
    "Federal", "Acting", "Interim", "Former", "Ex", "First", "Lady", "Cabinet", "Council", "Union",
    "Substitute", "Challenger", "Incumbent", "Candidate", "Independent", "Opposition", "Veteran",
    "Rookie", "Defending", "Champion", "Frontrunner", "Nominee",
];

/// Courtesy titles: they mark a person (and a gender) but are not a role.
const COURTESY: &[(&str, Option<Gender>)] = &[
    ("Mr.", Some(Gender::Male)),
    ("Mr", Some(Gender::Male)),
    ("Mrs.", Some(Gender::Female)),
    ("Mrs", Some(Gender::Female)),
    ("Ms.", Some(Gender::Female)),
    ("Ms", Some(Gender::Female)),
    ("Miss", Some(Gender::Female)),
    ("Dr.", None),
    ("Dr", None),
    ("Prof.", None),
    ("Prof", None),
];

/// Prepositions after a person's name that say where the person works ("at the National
/// Review", "for the campaign").
const NAME_PREPOSITIONS: &[&str] = &["at", "for", "from", "with"];

/// Pageants whose winners carry "Miss X" as a title before their name.
const PAGEANTS: &[&str] = &[
    "Universe", "America", "World", "USA", "Earth", "International",
];

/// Words that describe a person in passing but are neither a name nor an office: party labels
/// ("Republican Donald Trump"), epithets and adjectives ("Struggling", "Accused", "Close"). A
/// name never starts with one; they are dropped (the contract: `name` is a name only).
const DESCRIPTORS: &[&str] = &[
    "Republican", "Democrat", "Democratic", "GOP", "Conservative", "Liberal", "Progressive",
    "Tory", "Socialist", "Populist", "Centrist", "Moderate", "Nationalist", "Leftist", "Far-right",
    "Far-left", "Right-wing", "Left-wing", "Struggling", "Accused", "Close", "Embattled",
    "Beleaguered", "Disgraced", "Outgoing", "Incoming", "Late", "Billionaire", "Presumptive",
    "Fellow", "Rival", "Controversial", "Longtime", "Long-time", "Popular", "Jailed", "Convicted",
    "Ousted", "Retired", "Famed", "Legendary", "Reclusive", "Defeated", "Victorious", "Newly",
    "Then", "Then-", "Top", "Fiery", "Outspoken", "Wealthy", "Millionaire", "Celebrity", "Star",
    "Real", "Estate", "Mogul", "Tycoon", "Businessman", "Businesswoman", "Self-described", "Ex-",
    "Embattled", "Indicted", "Impeached", "Besieged", "Unpopular", "Maverick",
];

/// Lower-case role nouns that tell a person's gender ("spokeswoman", "chairman").
const FEMALE_ROLE_NOUNS: &[&str] = &[
    "spokeswoman", "chairwoman", "congresswoman", "councilwoman", "businesswoman", "woman",
    "actress", "mother", "daughter", "wife", "sister", "grandmother", "queen", "princess",
    "duchess", "countess", "lady", "girl", "aunt", "niece", "widow", "policewoman", "sportswoman",
    "assemblywoman", "alderwoman", "stateswoman", "anchorwoman", "waitress", "headmistress",
    "heiress", "girlfriend", "mrs.", "ms.",
];

/// Lower-case role nouns that tell a person's gender ("spokesman", "congressman").
const MALE_ROLE_NOUNS: &[&str] = &[
    "spokesman", "chairman", "congressman", "councilman", "businessman", "man", "actor", "father",
    "son", "husband", "brother", "grandfather", "king", "prince", "duke", "count", "boy", "uncle",
    "nephew", "widower", "policeman", "sportsman", "assemblyman", "alderman", "statesman",
    "anchorman", "headmaster", "boyfriend", "mr.",
];

/// Last words of organisation names.
const ORG_WORDS: &[&str] = &[
    "Ministry", "Department", "Office", "Council", "Party", "Union", "Company", "Corp.", "Corp",
    "Inc.", "Inc", "Ltd", "Ltd.", "LLC", "Bank", "Agency", "Commission", "Committee", "Court",
    "Police", "Government", "University", "Association", "Institute", "Foundation", "Group",
    "Federation", "League", "Network", "Times", "Post", "News", "Press", "Kremlin", "Pentagon",
    "House", "Parliament", "Congress", "Senate", "Army", "Navy", "Board", "Authority", "Service",
    "Services", "Organisation", "Organization", "Alliance", "Club", "FC", "Airlines", "Motors",
    "Reuters", "Journal", "Tribune", "Herald", "Guardian", "Telegraph", "Gazette",
    "Administration", "Secretariat", "Coalition", "Movement", "Front", "Bureau", "Centre",
    "Center", "Council", "Assembly", "Cabinet", "Trust", "Fund", "Society", "Institution",
    "Hospital", "School", "College", "Campaign", "Exchange", "Authority", "Tribunal",
    "Inspectorate", "Directorate", "Forces", "Guard", "Corporation", "Holdings", "Partners",
    "Industries", "Works", "Systems", "Technologies", "Labs", "Mail", "Express", "Observer",
    "Monitor", "Review", "Wire", "Radio", "Television", "TV", "Broadcasting", "Media", "Council’s",
    "Ministry’s", "Chamber", "Federation", "Union’s", "Unions", "Workers",
];

/// Lower-case heads of descriptions that denote organisations ("the ministry").
const ORG_HEADS: &[&str] = &[
    "ministry", "government", "company", "firm", "agency", "department", "office", "council",
    "committee", "court", "administration", "campaign", "union", "party", "police", "board",
    "bank", "newspaper", "paper", "network", "website", "outlet", "report", "statement", "study",
    "survey", "poll", "document", "letter", "memo", "filing", "complaint", "lawsuit", "kremlin",
    "military", "army", "regime", "commission", "team", "club", "authority", "embassy",
    "prosecution", "defence", "defense", "club", "university", "data", "figures",
];

/// Common given names, for telling a person's name from a place and for pronoun gender.
const MALE_NAMES: &[&str] = &[
    "Aaron", "Adam", "Ahmed", "Alan", "Alexander", "Alexei", "Ali", "Andrew", "Andrei", "Anthony",
    "Antonio", "Ben", "Benjamin", "Bernie", "Bill", "Bob", "Boris", "Brian", "Carlos", "Charles",
    "Chris", "Christopher", "Daniel", "David", "Dmitry", "Donald", "Edward", "Emmanuel", "Eric",
    "Frank", "Gary", "George", "Gregory", "Hans", "Henry", "Hugo", "Ian", "Ivan", "Jack", "Jacob",
    "James", "Jean", "Jeff", "Jens", "Jim", "Joe", "John", "Jonathan", "Jose", "Joseph", "Juan",
    "Kevin", "Klaus", "Lars", "Luis", "Marco", "Mark", "Martin", "Matthew", "Michael", "Mike",
    "Mikhail", "Mohammed", "Muhammad", "Nicholas", "Nikolai", "Olaf", "Omar", "Oscar", "Patrick",
    "Paul", "Pedro", "Peter", "Philip", "Pierre", "Rahul", "Raj", "Richard", "Robert", "Roger",
    "Ron", "Sam", "Samuel", "Scott", "Sergei", "Sergey", "Stephen", "Steve", "Steven", "Thomas",
    "Tim", "Tom", "Tony", "Victor", "Viktor", "Vladimir", "Volodymyr", "Walter", "William", "Xi",
    "Yuri", "Chuck", "Mitch", "Ted", "Rand", "Marco", "Lindsey", "Kwame", "Kofi", "Tariq", "Hamid",
    "Felix", "Erik", "Henrik", "Magnus", "Anders", "Tobias", "Stefan", "Matteo", "Luca", "Giorgos",
    "Nikos", "Tomasz", "Piotr", "Jan", "Pavel", "Oleg", "Igor", "Arjun", "Hiroshi", "Kenji", "Wei",
    "Jin", "Chidi", "Emeka", "Sipho", "Dario", "Rafael", "Diego", "Mateo", "Hugh", "Duncan",
    "Gareth", "Owen", "Rhys", "Callum", "Liam", "Noah", "Ethan", "Lucas", "Oliver", "Leo", "Lukas",
    "Tomas", "Aksel", "Mikkel", "Jonas", "Marcus", "Dragan", "Milan", "Luka", "Marko", "Goran",
    "Andrzej", "Karl", "Fredrik", "Nils", "Sven", "Olof", "Emil", "Axel", "Johan", "Kristian",
    "Rasmus", "Mads", "Jakob", "Florian", "Maximilian", "Sebastian", "Thierry", "Didier",
    "Laurent", "Olivier", "Antoine", "Julien", "Nicolas", "Francois", "Giovanni", "Alessandro",
    "Lorenzo", "Javier", "Miguel", "Alejandro", "Sergio", "Tiago", "Joao", "Ahmet", "Mehmet",
    "Mustafa", "Yusuf", "Ibrahim", "Hassan", "Khalid", "Samir",
];

const FEMALE_NAMES: &[&str] = &[
    "Alice", "Amanda", "Amy", "Angela", "Ann", "Anna", "Anne", "Barbara", "Betty", "Carol",
    "Catherine", "Christine", "Claire", "Deborah", "Diana", "Elena", "Elizabeth", "Ellen", "Emily",
    "Emma", "Eva", "Fatima", "Grace", "Hannah", "Helen", "Hillary", "Ilhan", "Irina", "Jane",
    "Janet", "Jennifer", "Jessica", "Joan", "Julia", "Karen", "Kamala", "Kate", "Katherine",
    "Laura", "Linda", "Lisa", "Maria", "Marie", "Marine", "Mary", "Megan", "Michelle", "Nadia",
    "Nancy", "Natalia", "Natasha", "Nicola", "Nikki", "Olga", "Patricia", "Priya", "Rachel",
    "Rebecca", "Ruth", "Sandra", "Sarah", "Sharon", "Sophie", "Susan", "Svetlana", "Tatiana",
    "Theresa", "Ursula", "Valentina", "Wendy", "Yulia", "Zoe", "Elise", "Ingrid", "Astrid",
    "Freya", "Sofia", "Lucia", "Chiara", "Marta", "Agnieszka", "Katarzyna", "Ama", "Amara",
    "Ngozi", "Aisha", "Leila", "Yasmin", "Mei", "Yuki", "Hana", "Aiko", "Camille", "Chloe",
    "Isabel", "Isabelle", "Carmen", "Rosa", "Teresa", "Margaret", "Dorothy", "Judith", "Martha",
    "Nora", "Hazel", "Fiona", "Siobhan", "Bronwen", "Megan", "Olivia", "Ava", "Mia", "Lena",
    "Greta", "Heidi", "Annika", "Lotte", "Marit", "Sigrid", "Ilona", "Hanne", "Helena", "Amelia",
    "Stella", "Karin", "Birgit", "Kirsten", "Malin", "Ebba", "Linnea", "Johanna", "Katrin",
    "Petra", "Monika", "Sabine", "Claudia", "Silvia", "Francesca", "Giulia", "Elena", "Ana",
    "Ines", "Beatriz", "Zeynep", "Ayse", "Layla", "Mariam", "Noor", "Sara", "Amira", "Esther",
    "Miriam", "Tamar", "Dana", "Alicia", "Paula",
];

/// A person's grammatical gender, as pronouns refer to it (`"female"` / `"male"` in records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Referred to as "he".
    Male,
    /// Referred to as "she".
    Female,
}

/// A mention read into its parts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// The name, without title ("Sergei Ryabkov", "Kremlin"), when the mention has one.
    pub name: Option<String>,
    /// The title or description ("Russian Deputy Foreign Minister", "spokesman for the ministry").
    pub role: Option<String>,
    /// What it refers to.
    pub kind: Option<SpeakerKind>,
    /// Gender, when the words tell it (a courtesy title, a gendered role noun, or a common
    /// given name): good enough to choose a pronoun's antecedent, not to publish.
    pub gender: Option<Gender>,
    /// The gender a courtesy title gives ("Mr.", "Ms."): evidence from the text itself.
    pub honorific: Option<Gender>,
    /// The gender a role noun gives ("spokeswoman", "chairman"): evidence from the text.
    pub role_noun: Option<Gender>,
    /// The work the mention speaks through ("poll" in "a Gallup poll"), so that "the poll"
    /// later finds its author.
    pub work: Option<String>,
}

fn is_acronym(w: &str) -> bool {
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// Gender of a given name, if it is a common one; Slavic surnames tell it by their ending.
pub fn gender_of(words: &[&str]) -> Option<Gender> {
    if let Some(first) = words.first() {
        if let Some((_, g)) = COURTESY.iter().find(|(c, _)| c == first) {
            return *g;
        }
        if MALE_NAMES.contains(first) {
            return Some(Gender::Male);
        }
        if FEMALE_NAMES.contains(first) {
            return Some(Gender::Female);
        }
    }
    let last = words.last()?;
    if ["ova", "eva", "ina", "aya", "ska"]
        .iter()
        .any(|e| last.ends_with(e))
    {
        Some(Gender::Female)
    } else if ["ov", "ev", "in", "sky", "ski", "enko"]
        .iter()
        .any(|e| last.ends_with(e))
    {
        Some(Gender::Male)
    } else {
        None
    }
}

/// The gender a role or description tells by a gendered noun in it ("spokeswoman for the
/// ministry", "Chairman"); `None` when it has none or both.
pub fn role_gender(role: &str) -> Option<Gender> {
    let mut found = None;
    for w in role.split([' ', '-', ',']) {
        let lower = w.to_lowercase();
        let g = if FEMALE_ROLE_NOUNS.contains(&lower.as_str()) {
            Gender::Female
        } else if MALE_ROLE_NOUNS.contains(&lower.as_str()) {
            Gender::Male
        } else {
            continue;
        };
        if found.is_some_and(|f| f != g) {
            return None;
        }
        found = Some(g);
    }
    found
}

/// True when `w` (any case) is a common noun that heads descriptions of organisations or
/// groups ("Police", "Officials" at the start of a sentence): no proper name.
pub fn is_common_head(w: &str) -> bool {
    let lower = w.to_lowercase();
    // "kremlin" heads descriptions in lower case too, but "Kremlin" is a proper name.
    lower != "kremlin"
        && (ORG_HEADS.contains(&lower.as_str()) || GROUP_NOUNS.contains(&lower.as_str()))
}

/// True for a word that ends organisation names ("Commission", "Post", "Ministry"), so that
/// "Commission on Presidential Debates" and "the Post" read as organisations.
pub fn is_org_word(w: &str) -> bool {
    ORG_WORDS.contains(&w)
}

/// True when `w` only describes the person it precedes ("Republican", "Accused").
pub fn is_descriptor(w: &str) -> bool {
    DESCRIPTORS.contains(&w)
}

/// True when `w` is a common given name.
pub fn is_given_name(w: &str) -> bool {
    MALE_NAMES.contains(&w) || FEMALE_NAMES.contains(&w)
}

/// Reads a capitalised mention given as its words ("Russian Deputy Foreign Minister Sergei
/// Ryabkov", "the Kremlin", "Sherman", "a spokesman for the ministry").
pub fn read(words: &[&str]) -> Reading {
    let mut words = words;
    let mut article = false;
    while let Some(first) = words.first() {
        if ["the", "The", "a", "A", "an", "An"].contains(first) {
            article = true;
            words = &words[1..];
        } else {
            break;
        }
    }
    // "Republican Donald Trump", "Accused Trump": the label is not part of the name.
    // Not "Republican National Committee": a label before an organisation's name is part of it.
    while words.len() > 1
        && is_descriptor(words[0])
        && !words.last().is_some_and(|w| is_org_word(w))
    {
        words = &words[1..];
    }
    let Some(&last) = words.last() else {
        return Reading::default();
    };
    // "Kall -- co-editor of Debating The Donald": a name, then a dash and what the person is.
    // The tokenizer may split "--" into two hyphens; one hyphen joins a name ("Jean-Pierre").
    let dash = (0..words.len()).find_map(|k| match (words[k], words.get(k + 1)) {
        ("--" | "—" | "–", _) => Some((k, k + 1)),
        ("-", Some(&"-")) => Some((k, k + 2)),
        _ => None,
    });
    if let Some((k, after)) = dash {
        let mut reading = read(&words[..k]);
        if k > 0 && reading.kind == Some(SpeakerKind::Person) && reading.name.is_some() {
            if after < words.len() {
                reading
                    .role
                    .get_or_insert_with(|| words[after..].join_words());
            }
            return reading;
        }
    }
    if let [one] = words {
        if is_descriptor(one) {
            // A label on its own ("Democrat") describes someone without naming them.
            return read_description(&[one.to_lowercase().as_str()]);
        }
    }
    if let Some(author) = authored(words, article) {
        return author;
    }
    let lower_last = last.to_lowercase();
    // "council leader Robert Fenwick": a lower-case title before a name.
    let name_start = words
        .iter()
        .rposition(|w| !w.starts_with(char::is_uppercase))
        .map_or(0, |k| k + 1);
    if name_start > 0 && name_start < words.len() && !is_connector(words[name_start - 1]) {
        let mut reading = read(&words[name_start..]);
        if reading.kind == Some(SpeakerKind::Person) && reading.name.is_some() {
            // "his wife and current Democratic presidential nominee Hillary Clinton" too.
            let prefix = words[..name_start].join_words();
            reading.role = Some(match reading.role {
                Some(title) => format!("{prefix} {title}"),
                None => prefix,
            });
            return reading;
        }
        // "the conservative-leaning Tax Foundation": a lower-case label before an
        // organisation's name is not part of it. Only one or two adjectives after "the":
        // "the chair of the DNC" is not the organisation itself (a work by one, "a video by
        // the Republican National Committee", is read by `authored` above).
        let labels = &words[..name_start];
        let adjectives = labels.len() <= 2 && labels.iter().all(|w| is_label(w));
        if article
            && adjectives
            && reading.kind == Some(SpeakerKind::Organization)
            && reading.name.is_some()
        {
            return reading;
        }
    }
    // "her campaign", "his lawyers": a description owned by someone, never a name.
    if words.len() > 1 && is_possessive(words[0]) {
        let mut r = read_description(words);
        let text = words.join_words().to_lowercase();
        r.name = None;
        r.role_noun = role_gender(&text);
        r.role = Some(text);
        return r;
    }
    // A capitalised common noun opening a sentence ("Analysts said") is a description.
    if let [one] = words {
        let lower = one.to_lowercase();
        let common = GROUP_NOUNS.contains(&lower.as_str()) || ORG_HEADS.contains(&lower.as_str());
        if common && !ORG_WORDS.contains(one) {
            return read_description(&[lower.as_str()]);
        }
    }
    // "Clyburn and Mr. Butterfield": two people, a group, never one name.
    let conjunction = words.iter().position(|w| *w == "and");
    if let Some(k) = conjunction {
        let capitalised = |w: &&str| w.starts_with(char::is_uppercase);
        if k > 0
            && k + 1 < words.len()
            && words[..k].iter().all(capitalised)
            && words[k + 1..].iter().all(capitalised)
            && !ORG_WORDS.contains(&last)
        {
            return Reading {
                name: Some(words.join_words()),
                kind: Some(SpeakerKind::Group),
                ..Reading::default()
            };
        }
    }
    // "Dan McLaughlin at the National Review", "Cameron Easley for": a name followed by where
    // the person works; the phrase is a role, not part of a description.
    // "Mr. Morgan of the Sierra Club", "Ana Ruiz of Reuters": "of" only after a courtesy title
    // or a given name, since it also joins the words of a title ("Secretary of State").
    if let Some(k) = words
        .iter()
        .position(|w| NAME_PREPOSITIONS.contains(w) || *w == "of")
    {
        let rest = &words[k + 1..];
        let placed = rest
            .first()
            .is_none_or(|w| matches!(*w, "the" | "a" | "an"));
        let personal = COURTESY.iter().any(|(c, _)| *c == words[0]) || is_given_name(words[0]);
        let fits = if words[k] == "of" { personal } else { placed };
        if k >= 2 && fits && words[..k].iter().all(|w| w.starts_with(char::is_uppercase)) {
            let mut reading = read(&words[..k]);
            let two_words = reading.name.as_deref().is_some_and(|n| n.contains(' '));
            let named = two_words || (reading.honorific.is_some() && reading.name.is_some());
            if reading.kind == Some(SpeakerKind::Person) && named {
                if !rest.is_empty() {
                    reading.role.get_or_insert_with(|| words[k..].join_words());
                }
                return reading;
            }
        }
    }
    let described = words
        .iter()
        .any(|w| w.starts_with(char::is_lowercase) && !is_connector(w));
    if !last.starts_with(char::is_uppercase) || described {
        return read_description(words);
    }
    // "Citizens for Tax Justice", "Physicians for Human Rights": people for a cause.
    let advocates = words.len() >= 3
        && words[1] == "for"
        && words[0].ends_with('s')
        && !TITLE_WORDS.contains(&words[0]);
    // "Commission on Presidential Debates", "Department of Justice": an organisation word
    // joined to what it is about.
    let joined_org = (1..words.len()).any(|k| is_connector(words[k]) && is_org_word(words[k - 1]));
    let org = advocates
        || joined_org
        || ORG_WORDS.contains(&last)
        || (words.len() == 1 && is_acronym(last))
        || (article && !TITLE_WORDS.contains(&last))
        || lower_last == "kremlin";
    if org {
        return Reading {
            name: Some(words.join_words()),
            kind: Some(SpeakerKind::Organization),
            ..Reading::default()
        };
    }
    // Title words up to the last one (with "of X" after a title), then the name.
    let mut split = 0;
    let mut k = 0;
    while k < words.len() {
        if TITLE_WORDS.contains(&words[k]) {
            split = k + 1;
        } else if words[k] == "Miss" && k + 2 < words.len() && PAGEANTS.contains(&words[k + 1]) {
            // "former Miss Universe Alicia Machado": a pageant title, not the courtesy "Miss".
            split = k + 2;
            k += 1;
        } else if is_connector(words[k]) && k > 0 && k < split + 1 && k + 1 < words.len() {
            split = k + 2;
            k += 1;
        }
        k += 1;
    }
    // "Mr. King", "Charlie King", "Howard Dean": a title word right after a courtesy title or
    // a first name is the surname.
    let first_name = |w: &str| {
        is_given_name(w) || (words.len() == 2 && !TITLE_WORDS.contains(&w) && !is_acronym(w))
    };
    if split == words.len()
        && split >= 2
        && (COURTESY.iter().any(|(c, _)| *c == words[split - 2]) || first_name(words[split - 2]))
    {
        split -= 2;
    }
    let (title, name) = words.split_at(split.min(words.len()));
    let courtesy = name
        .first()
        .and_then(|w| COURTESY.iter().find(|(c, _)| c == w));
    let role = (!title.is_empty()).then(|| title.join_words());
    let role_noun = role.as_deref().and_then(role_gender);
    let honorific = courtesy.and_then(|(_, g)| *g);
    let gender = honorific
        .or(role_noun)
        .or_else(|| gender_of(name))
        .or_else(|| gender_of(title));
    let mut bare_name: &[&str] = if courtesy.is_some() { &name[1..] } else { name };
    // "Struggling Mr. Trump": a descriptor may also come after a title.
    while bare_name.len() > 1 && is_descriptor(bare_name[0]) {
        bare_name = &bare_name[1..];
    }
    Reading {
        name: (!bare_name.is_empty()).then(|| bare_name.join_words()),
        role,
        kind: Some(SpeakerKind::Person),
        gender,
        honorific,
        role_noun,
        work: None,
    }
}

/// Works through which someone speaks: "a Quinnipiac University poll", "Jared Diamond's best
/// seller", "a new ad from the Harris campaign" are their authors speaking.
const WORKS: &[&str] = &[
    "poll", "polls", "analysis", "report", "study", "survey", "ad", "ads", "advert",
    "advertisement", "article", "column", "editorial", "op-ed", "book", "memoir", "seller",
    "bestseller", "database", "memo", "letter", "statement", "tweet", "tweets", "video", "blog",
    "website", "research", "brief", "filing", "lawsuit", "commercial", "spot",
];

/// The author a description of a work names ("a Quinnipiac University poll", "Mrs. Clinton's",
/// "Jared Diamond's 2005 best seller", "an ad from Harold Vance's campaign", "research
/// conducted by the Center for Media Studies"), read as that author; `None` when the words name
/// no author this way. An unknown name before a work is an organisation ("a Gallup poll")
/// unless it starts with a known given name, a courtesy title, or is a possessive.
fn authored(words: &[&str], article: bool) -> Option<Reading> {
    let possessive = |w: &str| matches!(w, "’s" | "'s");
    let named = |mut r: Reading, work: Option<&str>| {
        r.work = work.map(str::to_lowercase);
        (r.name.is_some()
            && matches!(
                r.kind,
                Some(SpeakerKind::Person | SpeakerKind::Organization)
            ))
        .then_some(r)
    };
    // "Mrs. Clinton's": a possessive with nothing after it is its owner.
    if let [owner @ .., last] = words {
        if possessive(last)
            && !owner.is_empty()
            && owner.iter().all(|w| w.starts_with(char::is_uppercase))
        {
            return named(read(owner), None);
        }
    }
    let j = words.iter().position(|w| {
        WORKS.contains(&w.to_lowercase().as_str()) && w.starts_with(char::is_lowercase)
    })?;
    let work = Some(words[j]);
    // Adjectives and years ("2005 best", "new"), not words that join phrases ("average of").
    let modifier = |w: &&&str| {
        (w.starts_with(char::is_lowercase) && !is_connector(w) && !FUNCTION_WORDS.contains(*w))
            || w.starts_with(|c: char| c.is_ascii_digit())
    };
    // The capitalised run right before the work, after any modifiers.
    let before = &words[..j];
    let end = before.len() - before.iter().rev().take_while(modifier).count();
    let (run, owned) = match &before[..end] {
        [run @ .., last] if possessive(last) => (run, true),
        run => (run, false),
    };
    let lead = run.iter().take_while(modifier).count();
    let run = &run[lead..];
    // "Recent polls", "Instant polls": one capitalised word opening the mention may be a
    // sentence's first word, not a name.
    let opening = lead == 0 && run.len() == 1 && !article && !owned && !is_acronym(run[0]);
    if !opening && is_name_phrase(run) {
        let mut r = read(run);
        let personal = owned
            || r.honorific.is_some()
            || r.role.is_some()
            || run.first().is_some_and(|w| is_given_name(w));
        if r.kind == Some(SpeakerKind::Person) && !personal {
            r = Reading {
                name: Some(run.join_words()),
                kind: Some(SpeakerKind::Organization),
                ..Reading::default()
            };
        }
        return named(r, work);
    }
    // "an ad from Harold Vance's campaign", "research conducted by the Center for ...".
    let rest = &words[j + 1..];
    let by = rest
        .iter()
        .take(2)
        .position(|w| matches!(*w, "from" | "by"))?;
    if by == 1 && !rest[0].ends_with("ed") {
        return None;
    }
    let mut author = &rest[by + 1..];
    if author.first().is_some_and(|w| matches!(*w, "the" | "The")) {
        author = &author[1..];
    }
    if !author
        .first()
        .is_some_and(|w| w.starts_with(char::is_uppercase))
    {
        return None;
    }
    // "Harold Vance's campaign": the person whose campaign it is.
    if let Some(k) = author.iter().position(|w| possessive(w)) {
        return named(read(&author[..k]), work);
    }
    // "the Center for Media Studies", "Loyola Law School professor Justin Levitt".
    let mut the = vec!["the"];
    the.extend_from_slice(author);
    named(read(&the), work)
}

/// Words that join phrases; never a modifier of a work ("average of polls").
const FUNCTION_WORDS: &[&str] = &[
    "in", "to", "with", "by", "from", "that", "which", "who", "or", "as", "about", "into",
];

/// A description: "spokesman for the ministry", "officials", "both sides". Organisations and
/// groups are named by their description; a described person has only a role.
fn read_description(words: &[&str]) -> Reading {
    let text = words.join_words();
    let head = described_head(words);
    let plural =
        head.ends_with('s') && !head.ends_with("ss") && !ORG_HEADS.contains(&head.as_str());
    let people = GROUP_NOUNS.contains(&head.as_str());
    let kind = if people || plural {
        SpeakerKind::Group
    } else if ORG_HEADS.contains(&head.as_str()) {
        SpeakerKind::Organization
    } else {
        SpeakerKind::Person
    };
    // A plural of things ("emails", "the documents") is not a group of speakers to be named.
    if plural
        && !people
        && !crate::attribution::rules::lexicon::SOURCE_HEADS.contains(&head.as_str())
    {
        return Reading {
            role: Some(text),
            kind: Some(SpeakerKind::Unknown),
            ..Reading::default()
        };
    }
    match kind {
        SpeakerKind::Person => Reading {
            role_noun: role_gender(&text),
            gender: role_gender(&text),
            role: Some(text),
            kind: Some(kind),
            ..Reading::default()
        },
        SpeakerKind::Organization => Reading {
            name: Some(unlabelled(words).unwrap_or(text)),
            kind: Some(kind),
            ..Reading::default()
        },
        _ => Reading {
            name: Some(text),
            kind: Some(kind),
            ..Reading::default()
        },
    }
}

/// An organisation's name without the one or two lower-case labels before it: "nonpartisan
/// Commission on Presidential Debates" is the "Commission on Presidential Debates". `None`
/// unless everything after the labels is capitalised name words and connectors.
fn unlabelled(words: &[&str]) -> Option<String> {
    let k = words
        .iter()
        .position(|w| w.starts_with(char::is_uppercase))?;
    let labels = (1..=2).contains(&k) && words[..k].iter().all(|w| is_label(w));
    let name = &words[k..];
    (labels && is_name_phrase(name)).then(|| name.join_words())
}

/// True for capitalised words joined only by connectors, ending in a capitalised one
/// ("Commission on Coastal Planning", "Harold Vance"); false when empty.
fn is_name_phrase(words: &[&str]) -> bool {
    words
        .iter()
        .all(|w| w.starts_with(char::is_uppercase) || is_connector(w))
        && words
            .last()
            .is_some_and(|w| w.starts_with(char::is_uppercase))
}

/// True for a lower-case word that can label an organisation ("nonpartisan",
/// "conservative-leaning"): one word of letters, not a determiner or a joining word.
fn is_label(w: &str) -> bool {
    w.chars().all(|c| c.is_alphabetic() || c == '-')
        && !is_possessive(w)
        && !matches!(w, "the" | "a" | "an" | "and" | "or" | "by" | "in" | "of")
}

/// True for a possessive determiner ("his lawyers", "Her campaign").
fn is_possessive(w: &str) -> bool {
    matches!(
        w.to_lowercase().as_str(),
        "her" | "his" | "their" | "its" | "my" | "our" | "your"
    )
}

fn is_connector(w: &str) -> bool {
    matches!(
        w,
        "of" | "for" | "at" | "on" | "and" | "&" | "’s" | "'s" | "-" | "de" | "van" | "von"
    )
}

/// The head noun of a lower-case description: the last word before any "of"/"for"/"at".
fn described_head(words: &[&str]) -> String {
    let cut = words
        .iter()
        .position(|w| {
            matches!(
                *w,
                "of" | "for" | "at" | "with" | "from" | "in" | "on" | "close" | "familiar" | "who"
            )
        })
        .unwrap_or(words.len());
    let head = words[..cut].last().or(words.last()).copied().unwrap_or("");
    head.to_lowercase()
}

/// Joins mention words the way they are written (no space before `’s` or after `-`).
trait JoinWords {
    fn join_words(&self) -> String;
}

impl JoinWords for [&str] {
    fn join_words(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.iter().enumerate() {
            let glue = i > 0 && !matches!(*w, "’s" | "'s" | "-") && self[i - 1] != "-";
            if glue {
                out.push(' ');
            }
            out.push_str(w);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reading {
        read(&s.split(' ').collect::<Vec<_>>())
    }

    #[test]
    fn titles_split_from_names() {
        let x = r("Russian Deputy Foreign Minister Sergei Ryabkov");
        assert_eq!(x.name.as_deref(), Some("Sergei Ryabkov"));
        assert_eq!(x.role.as_deref(), Some("Russian Deputy Foreign Minister"));
        assert_eq!(x.gender, Some(Gender::Male));
        let y = r("Deputy Secretary of State Wendy Sherman");
        assert_eq!(y.name.as_deref(), Some("Wendy Sherman"));
        assert_eq!(y.role.as_deref(), Some("Deputy Secretary of State"));
        assert_eq!(y.gender, Some(Gender::Female));
    }

    #[test]
    fn organisations_groups_and_descriptions() {
        assert_eq!(r("the Kremlin").kind, Some(SpeakerKind::Organization));
        assert_eq!(r("the Kremlin").name.as_deref(), Some("Kremlin"));
        assert_eq!(r("NATO").kind, Some(SpeakerKind::Organization));
        assert_eq!(r("both sides").kind, Some(SpeakerKind::Group));
        let d = r("a spokesman for the ministry");
        assert_eq!(d.kind, Some(SpeakerKind::Person));
        assert_eq!(d.role.as_deref(), Some("spokesman for the ministry"));
        assert_eq!(d.name, None);
        assert_eq!(r("Analysts").kind, Some(SpeakerKind::Group));
        assert_eq!(r("Union members").kind, Some(SpeakerKind::Group));
        let d = r("Health officials in the Dornfeld district");
        assert_eq!(d.kind, Some(SpeakerKind::Group));
        assert_eq!(
            r("diplomats familiar with the talks").kind,
            Some(SpeakerKind::Group)
        );
        let t = r("council leader Robert Fenwick");
        assert_eq!(t.name.as_deref(), Some("Robert Fenwick"));
        assert_eq!(t.role.as_deref(), Some("council leader"));
        assert_eq!(r("Dr Amira Hassan").name.as_deref(), Some("Amira Hassan"));
    }

    #[test]
    fn a_work_speaks_for_its_author() {
        let cases = [
            (
                "A Harbourton University poll released",
                "Harbourton University",
                SpeakerKind::Organization,
            ),
            (
                "a Gazette analysis of the figures",
                "Gazette",
                SpeakerKind::Organization,
            ),
            (
                "Mara Holt ’s 2019 best seller",
                "Mara Holt",
                SpeakerKind::Person,
            ),
            (
                "a new ad from Harold Vance ’s campaign",
                "Harold Vance",
                SpeakerKind::Person,
            ),
            (
                "research conducted by the Centre for Coastal Studies",
                "Centre for Coastal Studies",
                SpeakerKind::Organization,
            ),
            (
                "a 2014 study by Eastmoor Law School professor Ines Varga",
                "Ines Varga",
                SpeakerKind::Person,
            ),
            (
                "A web video by the Republican National Committee",
                "Republican National Committee",
                SpeakerKind::Organization,
            ),
        ];
        for (mention, name, kind) in cases {
            let x = r(mention);
            assert_eq!(x.name.as_deref(), Some(name), "{mention}");
            assert_eq!(x.kind, Some(kind), "{mention}");
            assert!(x.work.is_some(), "{mention}");
        }
        // A possessive with nothing after it is its owner.
        assert_eq!(r("Mrs. Holt ’s").name.as_deref(), Some("Holt"));
        // Works that name no author stay descriptions; a capitalised first word is no name.
        for mention in [
            "Recent polls in the north",
            "A 2014 study that appeared in a journal",
            "The Average of polls",
        ] {
            let x = r(mention);
            assert!(x.work.is_none(), "{mention}");
            assert!(
                !matches!(x.name.as_deref(), Some("Recent" | "Average")),
                "{mention}"
            );
        }
    }

    #[test]
    fn an_organisation_word_joined_to_its_subject_and_labels_before_it() {
        for name in ["Department of Justice", "Council on Foreign Relations"] {
            let x = r(name);
            assert_eq!(x.kind, Some(SpeakerKind::Organization), "{name}");
            assert_eq!(x.name.as_deref(), Some(name));
        }
        let x = r("the nonpartisan Commission on Coastal Planning");
        assert_eq!(x.kind, Some(SpeakerKind::Organization));
        assert_eq!(x.name.as_deref(), Some("Commission on Coastal Planning"));
        // A description that only mentions an organisation keeps all its words.
        let d = r("the chair of the Coastal Commission");
        assert_eq!(d.name, None);
    }

    #[test]
    fn descriptors_conjunctions_and_possessives_are_no_names() {
        let x = r("Republican Donald Trump");
        assert_eq!(x.name.as_deref(), Some("Donald Trump"));
        assert_eq!(
            r("Struggling Donald Trump").name.as_deref(),
            Some("Donald Trump")
        );
        assert_eq!(r("Accused Trump").name.as_deref(), Some("Trump"));
        assert_eq!(
            r("Democrat Hillary Clinton").name.as_deref(),
            Some("Hillary Clinton")
        );
        let both = r("Clyburn and Mr. Butterfield");
        assert_eq!(both.kind, Some(SpeakerKind::Group));
        let her = r("Her campaign");
        assert_eq!(her.name, None);
        assert_eq!(her.role.as_deref(), Some("her campaign"));
        assert_eq!(r("emails").name, None);
        let king = r("Mr. King");
        assert_eq!(king.name.as_deref(), Some("King"));
        assert_eq!(king.honorific, Some(Gender::Male));
        let s = r("a spokeswoman for the ministry");
        assert_eq!(s.role_noun, Some(Gender::Female));
        assert_eq!(r("Ms. Varga").honorific, Some(Gender::Female));
        let at = r("Dan McLaughlin at the National Review");
        assert_eq!(at.name.as_deref(), Some("Dan McLaughlin"));
        assert_eq!(at.role.as_deref(), Some("at the National Review"));
        assert_eq!(
            r("Cameron Easley for").name.as_deref(),
            Some("Cameron Easley")
        );
        let machado = r("Miss Universe Alicia Machado");
        assert_eq!(machado.name.as_deref(), Some("Alicia Machado"));
        assert_eq!(machado.role.as_deref(), Some("Miss Universe"));
        // A given name alone is no evidence.
        assert_eq!(r("Maria Lindqvist").honorific, None);
        assert_eq!(r("Maria Lindqvist").role_noun, None);
    }

    #[test]
    fn labels_asides_and_affiliations_around_a_name_are_dropped() {
        let name = |m: &str| r(m).name;
        // A lower-case label before an organisation's name.
        let institute = r("the nonpartisan Harbour Policy Institute");
        assert_eq!(institute.name.as_deref(), Some("Harbour Policy Institute"));
        assert_eq!(institute.kind, Some(SpeakerKind::Organization));
        // ... but not a description that only mentions the organisation.
        assert_eq!(name("the chair of the Harbour Policy Institute"), None);
        // A work speaks for its author (`a_work_speaks_for_its_author`).
        assert_eq!(
            name("a report by the Harbour Policy Institute").as_deref(),
            Some("Harbour Policy Institute")
        );
        // A name at the end of a possessive description.
        let sister = r("his sister and longtime campaign manager Ilona Varga");
        assert_eq!(sister.name.as_deref(), Some("Ilona Varga"));
        assert_eq!(
            sister.role.as_deref(),
            Some("his sister and longtime campaign manager")
        );
        assert_eq!(name("his sister"), None);
        // "of" after a courtesy title or a first name, a dash aside.
        let okafor = r("Ms. Okafor of the Wild Freedom Society");
        assert_eq!(okafor.name.as_deref(), Some("Okafor"));
        assert_eq!(okafor.honorific, Some(Gender::Female));
        assert_eq!(
            name("Lena Brandt of Coastwatch").as_deref(),
            Some("Lena Brandt")
        );
        let brandt = r("Brandt -- editor of The Coast Review");
        assert_eq!(brandt.name.as_deref(), Some("Brandt"));
        assert_eq!(brandt.role.as_deref(), Some("editor of The Coast Review"));
        assert_eq!(
            name("Jean-Paul Sartre").as_deref(),
            Some("Jean-Paul Sartre")
        );
        // A surname that is also a title word.
        assert_eq!(name("Peter Dean").as_deref(), Some("Peter Dean"));
        assert_eq!(name("Governor Peter Dean").as_deref(), Some("Peter Dean"));
        // People for a cause are an organisation.
        let citizens = r("Citizens for Clean Harbours");
        assert_eq!(citizens.kind, Some(SpeakerKind::Organization));
        assert_eq!(
            citizens.name.as_deref(),
            Some("Citizens for Clean Harbours")
        );
    }
}
