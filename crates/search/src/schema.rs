//! The index's fields and the French analyzer.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

/// Facets indexed as their own field (`f_<name>`), filterable and countable.
pub const FACETS: &[&str] = &[
    "kind",
    "kinds",
    "service_types",
    "thematiques",
    "publics",
    "fees",
    "labels",
    "networks",
    "departement",
    "region",
    "quality",
];

/// The time zones the index knows; a record's zone is stored as its position.
pub const ZONES: &[&str] = &[
    "Europe/Paris",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "America/Miquelon",
    "Indian/Mayotte",
    "America/St_Barthelemy",
    "America/Marigot",
    "Pacific/Wallis",
    "Pacific/Tahiti",
    "Pacific/Noumea",
];

pub const FRENCH: &str = "fr";
/// Lowercase and ASCII folding only: for prefixes, which stemming would cut.
pub const FOLDED: &str = "folded";

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub kind: Field,
    pub name: Field,
    pub name_joined: Field,
    pub name_folded: Field,
    pub text: Field,
    pub text_folded: Field,
    pub commune: Field,
    pub commune_insee: Field,
    pub lat: Field,
    pub lon: Field,
    pub zone: Field,
    /// The week's open half-hours as a bitmap: slot `s` is bit `s % 64` of
    /// `week[s / 64]`, so "open at" is one fast-field read per hit instead
    /// of a scan of the document's slots.
    pub week: [Field; WEEK_WORDS],
    /// Grid cells holding the position, at each of [`GEO_LEVELS`]: a radius
    /// or box query first takes the cells around it from the inverted
    /// index, then checks exact distances on those documents only.
    pub geo_cell: Field,
    pub ph_off: Field,
    pub quality: Field,
    pub verified: Field,
    pub stale: Field,
    pub sort_name: Field,
}

/// 48 half-hours × 7 days = 336 slots, in 6 words of 64 bits.
pub const WEEK_WORDS: usize = 6;

/// Sizes of the grid cells indexed for every position, in degrees, finest
/// first (0.05° ≈ 5.5 km of latitude).
pub const GEO_LEVELS: &[f64] = &[0.05, 0.5, 5.0];

/// The term of the cell at `level` holding (`lat`, `lon`).
pub fn geo_cell(level: usize, lat: f64, lon: f64) -> u64 {
    let size = GEO_LEVELS[level];
    geo_cell_at(level, (lat / size).floor() as i64, (lon / size).floor() as i64)
}

/// The term of cell (`row`, `col`) at `level`; rows and columns are
/// `floor(degrees / size)`, offset to stay positive.
pub fn geo_cell_at(level: usize, row: i64, col: i64) -> u64 {
    const OFFSET: i64 = 1 << 19;
    ((level as u64) << 40) | (((row + OFFSET) as u64 & 0xF_FFFF) << 20) | ((col + OFFSET) as u64 & 0xF_FFFF)
}

pub fn facet_field_name(facet: &str) -> String {
    format!("f_{facet}")
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = |tokenizer: &str, stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | FAST | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        name: b.add_text_field("name", analysed(FRENCH, true)),
        name_joined: b.add_text_field("name_joined", analysed(FRENCH, false)),
        name_folded: b.add_text_field("name_folded", analysed(FOLDED, false)),
        text: b.add_text_field("text", analysed(FRENCH, false)),
        text_folded: b.add_text_field("text_folded", analysed(FOLDED, false)),
        commune: b.add_text_field("commune", STORED),
        commune_insee: b.add_text_field("commune_insee", STRING | STORED),
        lat: b.add_f64_field("lat", FAST | STORED),
        lon: b.add_f64_field("lon", FAST | STORED),
        zone: b.add_u64_field("zone", FAST),
        week: std::array::from_fn(|i| b.add_u64_field(&format!("week{i}"), FAST)),
        geo_cell: b.add_u64_field("geo_cell", INDEXED),
        ph_off: b.add_u64_field("ph_off", FAST),
        quality: b.add_u64_field("quality", FAST),
        verified: b.add_u64_field("verified", FAST),
        stale: b.add_u64_field("stale", FAST),
        sort_name: b.add_text_field("sort_name", STRING | FAST),
    };
    for facet in FACETS {
        b.add_text_field(&facet_field_name(facet), STRING | FAST);
    }
    (b.build(), fields)
}

/// French words too common to tell records apart (folded, as compared).
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le", "les", "leur",
    "lui", "ma", "mais", "me", "mes", "mon", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu",
    "que", "qui", "s", "sa", "se", "ses", "son", "sur", "ta", "te", "tes", "ton", "tu", "un", "une", "vos", "votre",
    "vous", "y",
];

pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| (*w).to_owned())))
        .filter(Stemmer::new(Language::French))
        .build()
}

pub fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens an analyzer makes of a text.
pub fn tokens(analyzer: &TextAnalyzer, text: &str) -> Vec<String> {
    let mut a = analyzer.clone();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}
