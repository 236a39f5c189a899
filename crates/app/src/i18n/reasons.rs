//! Duplicate clues in the reader's language. The clues are stored as the
//! English sentences `domain::atlas::dedup::Signal` writes (stable, also
//! read by developers in the API); pages translate them here.

use super::Lang;

/// Fixed clues: (English, French).
const FIXED: &[(&str, &str)] = &[
    ("same SIRET or RNA number", "même numéro SIRET ou RNA"),
    (
        "two establishments of the same organisation (same SIREN)",
        "deux établissements d'une même structure (même SIREN)",
    ),
    ("different organisations (SIRET)", "structures différentes (SIRET)"),
    ("one is a bus or van, the other a fixed place", "l'un est un bus ou un véhicule, l'autre un lieu fixe"),
    ("same commune", "même commune"),
    ("different communes", "communes différentes"),
    ("same postal code", "même code postal"),
    ("different postal codes", "codes postaux différents"),
    ("same address", "même adresse"),
    ("same street, other house number", "même rue, autre numéro"),
    ("same street", "même rue"),
    ("different streets", "rues différentes"),
    ("a phone number in common", "un numéro de téléphone en commun"),
    ("an email address in common", "une adresse électronique en commun"),
    ("different phone numbers", "numéros de téléphone différents"),
    ("same web page", "même page web"),
    ("same website", "même site web"),
    (
        "not merged automatically: the names or the locations do not agree",
        "pas de fusion automatique : les noms ou les emplacements divergent",
    ),
];

/// What a name announces, in the clue "one name announces X, the other Y".
const NAME_KINDS: &[(&str, &str)] = &[
    ("a bus or van", "un bus ou un véhicule"),
    ("a France services", "une France services"),
    ("a post office", "un bureau de poste"),
    ("a library", "une bibliothèque"),
    ("a social action centre (CCAS)", "un centre d'action sociale (CCAS)"),
    ("a social or community centre", "un centre social"),
    ("an intercommunality", "une intercommunalité"),
    ("a town hall", "une mairie"),
];

fn french_kind(en: &str) -> &str {
    NAME_KINDS.iter().find(|(e, _)| *e == en).map_or(en, |(_, f)| f)
}

/// One stored clue in `lang`; unknown clues stay as they are.
pub fn dedup_reason(reason: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    if let Some((_, fr)) = FIXED.iter().find(|(en, _)| *en == reason) {
        return (*fr).to_owned();
    }
    if let Some(pct) = reason.strip_prefix("names ").and_then(|r| r.strip_suffix("% alike")) {
        return format!("noms semblables à {pct} %");
    }
    if let Some(m) = reason.strip_suffix(" m apart") {
        return format!("à {m} m l'un de l'autre");
    }
    if let Some(km) = reason.strip_suffix(" km apart") {
        return format!("à {} km l'un de l'autre", km.replace('.', ","));
    }
    if let Some((a, b)) = reason.strip_prefix("one name announces ").and_then(|r| r.split_once(", the other ")) {
        return format!("l'un se présente comme {}, l'autre comme {}", french_kind(a), french_kind(b));
    }
    reason.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::atlas::dedup::{NameKind, Signal};

    #[test]
    fn every_clue_the_scorer_writes_reads_in_french() {
        let signals = [
            Signal::SamePivot,
            Signal::SameOrganisation,
            Signal::DifferentPivots,
            Signal::Names { similarity: 0.67 },
            Signal::DifferentKinds { a: NameKind::TownHall, b: NameKind::Library },
            Signal::MobileAndFixed,
            Signal::Distance { metres: 120.0 },
            Signal::Distance { metres: 2400.0 },
            Signal::SameCommune,
            Signal::DifferentCommunes,
            Signal::SamePostalCode,
            Signal::DifferentPostalCodes,
            Signal::SameAddress,
            Signal::SameStreetOtherNumber,
            Signal::SameStreet,
            Signal::DifferentStreets,
            Signal::SharedPhone,
            Signal::SharedEmail,
            Signal::DifferentPhones,
            Signal::SameWebPage,
            Signal::SameWebsite,
            Signal::AutoMergeWithheld,
        ];
        for s in signals {
            let en = s.to_string();
            let fr = dedup_reason(&en, Lang::Fr);
            assert_ne!(fr, en, "{en} has a French wording");
            assert_eq!(dedup_reason(&en, Lang::En), en);
        }
        assert_eq!(dedup_reason("names 67% alike", Lang::Fr), "noms semblables à 67 %");
        assert_eq!(dedup_reason("2.4 km apart", Lang::Fr), "à 2,4 km l'un de l'autre");
        assert_eq!(
            dedup_reason("one name announces a town hall, the other a library", Lang::Fr),
            "l'un se présente comme une mairie, l'autre comme une bibliothèque"
        );
    }
}
