//! Labels of atlas fields and key-figure metrics, French then English.

use super::Lang;

const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "Nom", "Name"),
    ("kinds", "Types de lieu", "Kinds of place"),
    ("org_kind", "Type d'organisation", "Kind of organisation"),
    ("street", "Adresse", "Address"),
    ("address_complement", "Complément d'adresse", "Address details"),
    ("postal_code", "Code postal", "Postal code"),
    ("commune_insee", "Code INSEE de la commune", "Commune INSEE code"),
    ("commune_name", "Commune", "Commune"),
    ("geo", "Coordonnées (latitude, longitude)", "Coordinates (latitude, longitude)"),
    ("phones", "Téléphones", "Phones"),
    ("emails", "Courriels", "Emails"),
    ("websites", "Sites web", "Websites"),
    ("opening_hours", "Horaires d'ouverture", "Opening hours"),
    ("summary", "Résumé (280 caractères au plus)", "Summary (at most 280 characters)"),
    ("description", "Description", "Description"),
    ("surface_m2", "Surface (m²)", "Surface (m²)"),
    ("capacity", "Capacité d'accueil (personnes)", "Capacity (people)"),
    ("acceslibre_url", "Fiche Acceslibre", "Acceslibre page"),
    ("accessibility", "Accueil des personnes en situation de handicap", "Disabilities welcomed"),
    ("labels", "Labels", "Labels"),
    ("programmes", "Programmes nationaux", "National programmes"),
    ("pivot", "SIRET ou RNA", "SIRET or RNA"),
    ("siret", "SIRET", "SIRET"),
    ("rna", "RNA", "RNA"),
    ("itinerance", "Fixe ou itinérant", "Fixed or mobile"),
    ("booking_url", "Prise de rendez-vous", "Booking"),
    ("typologies", "Typologie de la structure", "Structure typology"),
    ("parent_structure", "Structure parente", "Parent structure"),
    ("training_labels", "Formations et labels", "Trainings and labels"),
    ("other_training_labels", "Autres formations", "Other trainings"),
    ("producer", "Producteur de la donnée", "Data producer"),
    ("legal_form", "Forme juridique", "Legal form"),
    ("naf", "Activité (code NAF)", "Activity (NAF code)"),
    ("size_band", "Tranche d'effectif", "Staff size band"),
    ("creation_date", "Date de création", "Creation date"),
    ("service_types", "Types de service", "Service types"),
    ("thematiques", "Thématiques", "Themes"),
    ("publics", "Publics", "Audiences"),
    ("fees", "Frais", "Fees"),
    ("fee_details", "Précisions sur les frais", "Fee details"),
    ("reception_modes", "Modes d'accueil", "Reception"),
    ("access_modes", "Modalités d'accès", "How to access"),
    ("support_modes", "Modalités d'accompagnement", "Kinds of support"),
    ("eligibility_zone", "Zone d'éligibilité (codes COG)", "Eligibility area (COG codes)"),
    ("mediation_services", "Services de médiation numérique", "Digital mediation services"),
];

const METRICS: &[(&str, &str, &str)] = &[
    ("surface_m2", "Surface (m²)", "Surface (m²)"),
    ("residents", "Résidents", "Residents"),
    ("partners", "Partenaires", "Partners"),
    ("projects", "Projets accompagnés", "Projects supported"),
    ("events", "Événements organisés", "Events held"),
    ("visitors", "Visiteurs", "Visitors"),
];

fn find<'a>(table: &'a [(&'a str, &'a str, &'a str)], code: &'a str, lang: Lang) -> &'a str {
    table.iter().find(|(c, _, _)| *c == code).map_or(code, |(_, fr, en)| if lang == Lang::Fr { fr } else { en })
}

pub fn field_label(field: &str, lang: Lang) -> &str {
    find(FIELDS, field, lang)
}

pub fn metric_label(metric: &str, lang: Lang) -> &str {
    find(METRICS, metric, lang)
}

pub const METRIC_CODES: &[&str] = &["surface_m2", "residents", "partners", "projects", "events", "visitors"];

#[cfg(test)]
mod tests {
    use super::*;
    use domain::atlas::{RecordKind, fields_of};

    #[test]
    fn every_field_has_a_label() {
        for kind in RecordKind::ALL {
            for f in fields_of(kind) {
                assert_ne!(field_label(f.name, Lang::Fr), f.name, "{} lacks a French label", f.name);
            }
        }
    }
}
