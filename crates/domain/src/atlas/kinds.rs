//! The kinds of atlas records and the vocabularies that classify them.

/// What an atlas record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Place,
    Organisation,
    Service,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Place, RecordKind::Organisation, RecordKind::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Place => "place",
            RecordKind::Organisation => "organisation",
            RecordKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A term of a vocabulary: a stable code and its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub code: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

const fn term(code: &'static str, fr: &'static str, en: &'static str) -> Term {
    Term { code, fr, en }
}

/// Kinds of places. The list is the default taxonomy; territories add
/// their own codes (unknown codes are kept and shown as they are).
pub const PLACE_KINDS: &[Term] = &[
    term("tiers-lieu", "Tiers-lieu", "Third place"),
    term("living-lab", "Living lab", "Living lab"),
    term("fablab", "Fablab / makerspace", "Fablab / makerspace"),
    term("coworking", "Coworking", "Coworking space"),
    term("incubateur", "Incubateur", "Incubator"),
    term("accelerateur", "Accélérateur", "Accelerator"),
    term("pepiniere", "Pépinière d'entreprises", "Business nursery"),
    term("startup-studio", "Startup studio", "Startup studio"),
    term("campus", "Campus, école", "Campus, school"),
    term("site-recherche", "Site de recherche", "Research site"),
    term("lieu-culturel", "Lieu culturel", "Cultural venue"),
    term("atelier-partage", "Atelier partagé", "Shared workshop"),
    term("mediation-numerique", "Lieu de médiation numérique (EPN)", "Digital inclusion place"),
    term("france-services", "France Services", "France Services"),
    term("mairie", "Mairie", "Town hall"),
    term("autre", "Autre", "Other"),
];

/// Kinds of organisations.
pub const ORGANISATION_KINDS: &[Term] = &[
    term("startup", "Startup", "Startup"),
    term("pme", "PME", "SME"),
    term("grande-entreprise", "Grande entreprise", "Large company"),
    term("organisme-public", "Organisme public", "Public body"),
    term("association", "Association", "Association"),
    term("cooperative", "Coopérative", "Cooperative"),
    term("laboratoire", "Laboratoire de recherche", "Research lab"),
    term("ecole", "École", "School"),
    term("collectif-independants", "Collectif d'indépendants", "Freelancers' collective"),
];

/// Our service types for innovation places, beside data·inclusion's.
pub const SERVICE_TYPES: &[Term] = &[
    term("location-espace", "Location d'espace", "Space rental"),
    term("privatisation", "Privatisation", "Private hire"),
    term("incubation", "Incubation", "Incubation"),
    term("acceleration", "Accélération", "Acceleration"),
    term("prototypage", "Prototypage", "Prototyping"),
    term("mediation-numerique", "Médiation numérique", "Digital mediation"),
    term("poste-coworking", "Poste de coworking", "Coworking desk"),
    term("acces-aux-droits", "Accès aux droits et démarches", "Access to rights and procedures"),
];

/// Types of links between records (a dated, typed graph).
pub const LINK_TYPES: &[Term] = &[
    term("resident-at", "résident de", "resident at"),
    term("partner-of", "partenaire de", "partner of"),
    term("operates", "gère", "operates"),
    term("funds", "finance", "funds"),
    term("member-of", "membre du réseau", "member of the network"),
    term("offered-at", "proposé à", "offered at"),
];

/// The label of `code` in `vocabulary`, or the code itself when unknown.
pub fn label<'a>(vocabulary: &[Term], code: &'a str, french: bool) -> &'a str {
    match vocabulary.iter().find(|t| t.code == code) {
        Some(t) if french => t.fr,
        Some(t) => t.en,
        None => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_within_each_vocabulary() {
        for vocab in [PLACE_KINDS, ORGANISATION_KINDS, SERVICE_TYPES, LINK_TYPES] {
            let mut codes: Vec<_> = vocab.iter().map(|t| t.code).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), vocab.len());
        }
        assert_eq!(label(PLACE_KINDS, "fablab", false), "Fablab / makerspace");
        assert_eq!(label(PLACE_KINDS, "inconnu", true), "inconnu");
    }
}
