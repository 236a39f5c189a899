//! Labels of the codes facets and fields hold: our vocabularies, the
//! data·inclusion ones (shipped in `referentials/standards`), territory names.

use std::collections::HashMap;
use std::sync::LazyLock;

use domain::atlas::kinds::{ORGANISATION_KINDS, PLACE_KINDS, SERVICE_TYPES, label};
use domain::territory::Territory;

use crate::i18n::Lang;

/// data·inclusion vocabularies: code → French label.
static DATA_INCLUSION: LazyLock<HashMap<&'static str, HashMap<String, String>>> = LazyLock::new(|| {
    let files: [(&str, &str); 5] = [
        ("thematiques", include_str!("../../../../referentials/standards/data-inclusion-v1/thematiques.json")),
        ("publics", include_str!("../../../../referentials/standards/data-inclusion-v1/publics.json")),
        ("fees", include_str!("../../../../referentials/standards/data-inclusion-v1/frais.json")),
        ("reception_modes", include_str!("../../../../referentials/standards/data-inclusion-v1/modes-accueil.json")),
        ("service_types", include_str!("../../../../referentials/standards/data-inclusion-v1/types-de-services.json")),
    ];
    files
        .into_iter()
        .map(|(name, text)| {
            #[derive(serde::Deserialize)]
            struct Term {
                value: String,
                label: String,
            }
            let terms: Vec<Term> = serde_json::from_str(text).unwrap_or_default();
            (name, terms.into_iter().map(|t| (t.value, t.label)).collect())
        })
        .collect()
});

/// The codes of a data·inclusion vocabulary (thematiques, publics, fees,
/// reception_modes, service_types).
pub fn data_inclusion_codes(vocabulary: &str) -> Vec<&'static str> {
    DATA_INCLUSION.get(vocabulary).map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// How a facet value reads for people.
pub fn value_label(facet: &str, code: &str, lang: Lang) -> String {
    let french = lang == Lang::Fr;
    let territory = Territory::embedded();
    match facet {
        "kind" => match (code, french) {
            ("place", true) => "Lieu".into(),
            ("place", false) => "Place".into(),
            ("organisation", _) => "Organisation".into(),
            ("service", _) => "Service".into(),
            _ => code.into(),
        },
        "kinds" => label(PLACE_KINDS, code, french).into(),
        "org_kind" => label(ORGANISATION_KINDS, code, french).into(),
        "departement" => {
            territory.departement(code).map_or_else(|| code.to_owned(), |d| format!("{} ({code})", d.name))
        }
        "region" => territory.region(code).map_or_else(|| code.to_owned(), |r| r.name.clone()),
        "quality" => match (code, french) {
            ("high", true) => "Fiches complètes et à jour".into(),
            ("medium", true) => "Fiches à compléter".into(),
            ("low", true) => "Fiches lacunaires".into(),
            ("high", false) => "Complete, up-to-date records".into(),
            ("medium", false) => "Records to complete".into(),
            ("low", false) => "Sparse records".into(),
            _ => code.into(),
        },
        "fees" if code == "gratuit-sous-condition" => {
            if french {
                "Gratuit sous condition".into()
            } else {
                "Free under conditions".into()
            }
        }
        "service_types" if SERVICE_TYPES.iter().any(|t| t.code == code) => label(SERVICE_TYPES, code, french).into(),
        other => DATA_INCLUSION.get(other).and_then(|m| m.get(code)).cloned().unwrap_or_else(|| code.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_values_have_readable_labels() {
        assert_eq!(value_label("kinds", "fablab", Lang::Fr), "Fablab / makerspace");
        assert_eq!(value_label("departement", "16", Lang::Fr), "Charente (16)");
        assert_eq!(value_label("region", "75", Lang::Fr), "Nouvelle-Aquitaine");
        assert_eq!(value_label("publics", "seniors", Lang::Fr), "Séniors");
        assert!(
            value_label("thematiques", "numerique--acceder-a-une-connexion-internet", Lang::Fr).contains("connexion")
        );
        assert_eq!(value_label("labels", "France Services", Lang::Fr), "France Services");
        assert!(data_inclusion_codes("thematiques").len() > 60);
    }
}
