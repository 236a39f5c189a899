//! Every text of the interface and of the mails, French then English.
//! `{}` marks where a value is inserted (see [`super::fill`]).

macro_rules! catalog {
    ($($key:ident: $fr:literal, $en:literal;)*) => {
        /// All interface texts in one language.
        pub struct Messages {
            $(pub $key: &'static str,)*
        }
        pub static FR: Messages = Messages { $($key: $fr,)* };
        pub static EN: Messages = Messages { $($key: $en,)* };
    };
}

catalog! {
    // Layout
    site_name: "Maillage", "Maillage";
    site_tagline: "Les lieux, acteurs et services d'innovation du territoire", "The territory's innovation places, actors and services";
    skip_to_content: "Aller au contenu", "Skip to content";
    nav_label: "Navigation principale", "Main navigation";
    nav_home: "Accueil", "Home";
    nav_api_docs: "API", "API";
    nav_login: "Se connecter", "Log in";
    nav_signup: "Créer un compte", "Sign up";
    nav_account: "Mon compte", "My account";
    nav_admin: "Administration", "Administration";
    nav_logout: "Se déconnecter", "Log out";
    lang_switch_label: "Langue", "Language";
    footer_text: "Maillage, logiciel libre au service des territoires.", "Maillage, free software serving territories.";
    footer_open_data: "Données ouvertes sous Licence Ouverte 2.0, sources citées.", "Open data under Licence Ouverte 2.0, sources credited.";

    // Home
    home_title: "Le territoire en un seul endroit", "The whole territory in one place";
    home_intro: "Maillage réunit les tiers-lieux, fablabs, incubateurs, espaces numériques et France Services du territoire, leurs réservations, leurs événements et leurs accompagnements.", "Maillage brings together the territory's third places, fablabs, incubators, digital spaces and France Services, their bookings, events and support programmes.";
    home_signed_in_as: "Connecté·e en tant que {}.", "Signed in as {}.";
    home_get_started: "Créez un compte pour réserver, vous inscrire et suivre vos accompagnements.", "Create an account to book, register and follow your support programmes.";

    // Forms, common
    form_errors_title: "Le formulaire contient des erreurs", "The form has errors";
    form_required_hint: "Tous les champs sont obligatoires sauf mention contraire.", "All fields are required unless marked otherwise.";
    field_email: "Adresse électronique", "Email address";
    field_email_hint: "Par exemple : nom@exemple.fr", "For example: name@example.org";
    field_password: "Mot de passe", "Password";
    field_password_hint: "Au moins 12 caractères. Une phrase de quelques mots est facile à retenir.", "At least 12 characters. A phrase of a few words is easy to remember.";
    field_password_confirm: "Confirmer le mot de passe", "Confirm password";
    field_current_password: "Mot de passe actuel", "Current password";
    field_display_name: "Nom affiché", "Display name";
    field_display_name_hint: "Visible par les autres personnes. 80 caractères au plus.", "Visible to other people. At most 80 characters.";
    field_language: "Langue de l'interface et des courriels", "Language of the interface and emails";
    show_password: "Afficher le mot de passe", "Show password";

    // Field errors
    err_required: "Ce champ est obligatoire.", "This field is required.";
    err_too_long: "{} caractères au plus.", "At most {} characters.";
    err_invalid_email: "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.", "Enter a valid email address, for example name@example.org.";
    err_password_short: "Le mot de passe doit comporter au moins {} caractères.", "The password must have at least {} characters.";
    err_password_long: "Le mot de passe doit comporter au plus 256 caractères.", "The password must have at most 256 characters.";
    err_password_common: "Ce mot de passe fait partie des plus courants. Choisissez-en un autre.", "This password is among the most common ones. Choose another one.";
    err_password_repetitive: "Ce mot de passe répète trop peu de caractères différents.", "This password uses too few different characters.";
    err_password_email: "Le mot de passe ne doit pas contenir votre adresse électronique.", "The password must not contain your email address.";
    err_password_mismatch: "Les deux mots de passe ne sont pas identiques.", "The two passwords differ.";
    err_invalid: "Cette valeur n'est pas acceptée.", "This value is not accepted.";
    err_malformed: "Valeur refusée : {}", "Value refused: {}";
    err_wrong_password: "Mot de passe incorrect.", "Wrong password.";

    // Sign-up
    signup_title: "Créer un compte", "Sign up";
    signup_submit: "Créer mon compte", "Create my account";
    signup_have_account: "Vous avez déjà un compte ?", "Already have an account?";
    signup_done_title: "Vérifiez votre messagerie", "Check your mailbox";
    signup_done_text: "Nous avons envoyé un lien de confirmation à {}. Il est valable 3 jours. Ouvrez-le pour activer votre compte.", "We sent a confirmation link to {}. It is valid for 3 days. Open it to activate your account.";

    // Log-in
    login_title: "Se connecter", "Log in";
    login_submit: "Se connecter", "Log in";
    login_forgot: "Mot de passe oublié ?", "Forgot your password?";
    login_no_account: "Pas encore de compte ?", "No account yet?";
    login_failed: "Adresse électronique ou mot de passe incorrect.", "Wrong email address or password.";
    login_unconfirmed: "Votre adresse n'est pas encore confirmée. Nous venons de vous renvoyer le lien de confirmation.", "Your address is not confirmed yet. We have just sent you the confirmation link again.";
    login_throttled: "Trop de tentatives. Réessayez dans {} minutes.", "Too many attempts. Try again in {} minutes.";
    logged_out: "Vous êtes déconnecté·e.", "You are logged out.";

    // Email confirmation
    confirm_title: "Confirmation de l'adresse", "Address confirmation";
    confirm_ok: "Votre adresse est confirmée. Vous pouvez vous connecter.", "Your address is confirmed. You can log in.";
    confirm_invalid: "Ce lien n'est pas valide : il a déjà servi ou il a expiré. Connectez-vous pour en recevoir un nouveau.", "This link is not valid: it was already used or it expired. Log in to receive a new one.";

    // Password reset
    forgot_title: "Mot de passe oublié", "Forgot your password";
    forgot_intro: "Saisissez l'adresse de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe.", "Enter your account's address: we will send you a link to choose a new password.";
    forgot_submit: "Recevoir le lien", "Send me the link";
    forgot_sent: "Si un compte existe pour cette adresse, un lien vient de lui être envoyé. Il est valable une heure.", "If an account exists for this address, a link has just been sent to it. It is valid for one hour.";
    reset_title: "Choisir un nouveau mot de passe", "Choose a new password";
    reset_submit: "Enregistrer le mot de passe", "Save the password";
    reset_done: "Votre mot de passe est changé et vos autres sessions sont fermées. Connectez-vous.", "Your password is changed and your other sessions are closed. Log in.";
    reset_invalid: "Ce lien n'est pas valide : il a déjà servi ou il a expiré. Demandez-en un nouveau.", "This link is not valid: it was already used or it expired. Ask for a new one.";

    // Account
    account_title: "Mon compte", "My account";
    account_profile: "Profil", "Profile";
    account_save: "Enregistrer", "Save";
    account_saved: "Modifications enregistrées.", "Changes saved.";
    account_roles: "Mes rôles", "My roles";
    account_no_roles: "Aucun rôle particulier : vous êtes une personne inscrite.", "No particular role: you are a registered person.";
    account_password: "Changer de mot de passe", "Change password";
    account_password_changed: "Mot de passe changé. Vos autres sessions sont fermées.", "Password changed. Your other sessions are closed.";
    account_new_password: "Nouveau mot de passe", "New password";
    sessions_title: "Sessions ouvertes", "Open sessions";
    sessions_current: "cette session", "this session";
    sessions_started: "Ouverte le", "Opened on";
    sessions_last_seen: "Dernière activité", "Last activity";
    sessions_device: "Navigateur", "Browser";
    sessions_revoke: "Fermer", "Close";
    sessions_revoked: "Session fermée.", "Session closed.";
    tokens_title: "Jetons d'API", "API tokens";
    tokens_intro: "Un jeton permet à un programme d'utiliser l'API en votre nom, dans la limite des droits choisis.", "A token lets a program use the API on your behalf, within the rights you choose.";
    tokens_none: "Aucun jeton.", "No token.";
    tokens_name: "Nom du jeton", "Token name";
    tokens_name_hint: "Pour vous souvenir de son usage, par exemple « export nocturne ».", "To remember what it is for, for example \"nightly export\".";
    tokens_scopes: "Droits", "Rights";
    tokens_scope_account_read: "lire mon compte et mes données", "read my account and data";
    tokens_scope_account_write: "modifier mon compte", "change my account";
    tokens_scope_admin: "utiliser mes droits d'administration", "use my administration rights";
    tokens_scope_atlas_write: "modifier les fiches de l'atlas que je gère", "edit the atlas records I manage";
    tokens_scope_bookings: "réserver et gérer mes réservations", "book and manage my bookings";
    tokens_create: "Créer le jeton", "Create the token";
    tokens_created: "Voici votre jeton. Copiez-le maintenant : il ne sera plus affiché.", "Here is your token. Copy it now: it will not be shown again.";
    tokens_created_on: "Créé le", "Created on";
    tokens_last_used: "Dernière utilisation", "Last used";
    tokens_never_used: "jamais", "never";
    tokens_revoke: "Révoquer", "Revoke";
    tokens_revoked: "Jeton révoqué.", "Token revoked.";
    tokens_revoked_on: "révoqué le {}", "revoked on {}";
    tokens_scopes_required: "Choisissez au moins un droit.", "Choose at least one right.";
    export_title: "Mes données", "My data";
    export_text: "Téléchargez toutes les données que Maillage détient sur vous, au format JSON.", "Download all the data Maillage holds about you, as JSON.";
    export_download: "Télécharger mes données", "Download my data";
    delete_title: "Supprimer mon compte", "Delete my account";
    delete_text: "Vos données personnelles seront effacées. Vos contributions publiques resteront, sans votre nom. Cette action est définitive.", "Your personal data will be erased. Your public contributions will remain, without your name. This cannot be undone.";
    delete_submit: "Supprimer définitivement mon compte", "Delete my account for good";
    deleted_done: "Votre compte est supprimé.", "Your account is deleted.";
    deleted_account: "Compte supprimé", "Deleted account";

    // Administration
    admin_title: "Administration", "Administration";
    admin_users: "Comptes", "Accounts";
    admin_outbox: "Courriels en attente et envoyés", "Queued and sent emails";
    admin_audit: "Journal d'audit", "Audit log";
    admin_audit_ok: "La chaîne du journal est intacte ({} entrées).", "The log's chain is intact ({} entries).";
    admin_audit_broken: "La chaîne du journal est rompue : {}", "The log's chain is broken: {}";
    col_name: "Nom", "Name";
    col_email: "Adresse", "Address";
    col_roles: "Rôles", "Roles";
    col_created: "Créé le", "Created on";
    col_status: "État", "Status";
    col_subject: "Objet", "Subject";
    col_recipient: "Destinataire", "Recipient";
    col_when: "Quand", "When";
    col_actor: "Auteur", "Actor";
    col_action: "Action", "Action";
    col_entity: "Objet", "Entity";
    col_summary: "Résumé", "Summary";
    role_platform_admin: "administration de la plateforme", "platform administration";
    role_territory_editor: "édition du territoire", "territory editing";
    role_place_manager: "gestion du lieu n° {}", "manager of place #{}";
    role_organisation_admin: "administration de l'organisation n° {}", "administrator of organisation #{}";
    role_organisation_member: "membre de l'organisation n° {}", "member of organisation #{}";

    // Atlas
    nav_search: "Rechercher", "Search";
    nav_review: "Doublons", "Duplicates";
    nav_import: "Importer", "Import";
    kind_place: "Lieu", "Place";
    kind_organisation: "Organisation", "Organisation";
    kind_service: "Service", "Service";
    rec_territory: "Territoire", "Territory";
    rec_epci: "Intercommunalité", "Intercommunality";
    rec_departement: "Département", "Département";
    rec_region: "Région", "Region";
    rec_open_now: "Ouvert en ce moment", "Open now";
    rec_closed_now: "Fermé en ce moment", "Closed now";
    rec_closes_at: "ferme le {}", "closes on {}";
    rec_opens_at: "ouvre le {}", "opens on {}";
    rec_hours_osm: "Horaires (syntaxe OpenStreetMap)", "Hours (OpenStreetMap syntax)";
    rec_contacts: "Contacts", "Contacts";
    rec_related: "Liens avec d'autres fiches", "Links with other records";
    rec_key_figures: "Chiffres clés", "Key figures";
    rec_year: "Année", "Year";
    rec_metric: "Indicateur", "Indicator";
    rec_value: "Valeur", "Value";
    rec_sources: "Sources", "Sources";
    rec_source_line: "{} — identifiant {} — récupéré le {}", "{} — id {} — fetched on {}";
    rec_source_retired: "n'est plus publiée par cette source", "no longer published by this source";
    rec_verified_on: "Vérifiée le {}", "Verified on {}";
    rec_never_verified: "Pas encore vérifiée par ses responsables", "Not yet verified by its managers";
    rec_updated_on: "Mise à jour le {}", "Updated on {}";
    rec_stale_warning: "Cette fiche n'a été ni mise à jour ni vérifiée depuis plus de {} jours : certaines informations peuvent être périmées.", "This record has been neither updated nor verified for more than {} days: some information may be out of date.";
    rec_quality: "Qualité de la fiche : {} sur 100", "Record quality: {} out of 100";
    rec_edit: "Modifier la fiche", "Edit the record";
    rec_confirm: "Confirmer que la fiche est à jour", "Confirm the record is up to date";
    rec_confirmed: "Merci : la fiche est marquée comme vérifiée.", "Thank you: the record is marked as verified.";
    rec_conflicts: "Modifications manuelles remplacées par une source qui a changé", "Hand edits overtaken by a source that changed";
    rec_conflict_line: "{} : vous aviez saisi « {} », la source dit maintenant « {} ».", "{}: you entered \"{}\", the source now says \"{}\".";
    rec_retired: "Cette fiche n'est plus publiée par ses sources.", "This record is no longer published by its sources.";
    rec_merged: "Cette fiche a été fusionnée avec une autre :", "This record was merged into another:";
    rec_synthetic: "Fiche d'exemple générée pour la démonstration.", "Sample record generated for the demo.";
    rec_map: "Emplacement sur la carte", "Location on the map";
    rec_approx: "position approximative (centre de la commune)", "approximate position (centre of the commune)";
    edit_title: "Modifier « {} »", "Edit \"{}\"";
    edit_intro: "Vos modifications priment sur les imports tant que les sources ne changent pas ; enregistrer confirme aussi que la fiche est à jour.", "Your changes take precedence over imports while the sources do not change; saving also confirms the record is up to date.";
    edit_list_hint: "Une valeur par ligne.", "One value per line.";
    edit_hours_hint: "Syntaxe OpenStreetMap, par exemple : Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off", "OpenStreetMap syntax, for example: Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off";
    edit_geo_hint: "Latitude, longitude ; par exemple 45.6484, 0.1562", "Latitude, longitude; for example 45.6484, 0.1562";
    edit_save: "Enregistrer", "Save";
    edit_saved: "Fiche enregistrée et marquée comme vérifiée.", "Record saved and marked as verified.";
    verify_title: "Confirmer « {} »", "Confirm \"{}\"";
    verify_intro: "Relisez la fiche ci-dessous. Si elle est exacte, confirmez-la ; sinon, modifiez-la.", "Read the record below. If it is right, confirm it; otherwise, edit it.";
    verify_invalid: "Ce lien n'est pas valide : il a déjà servi ou il a expiré.", "This link is not valid: it was already used or it expired.";

    search_title: "Rechercher dans l'atlas", "Search the atlas";
    search_label: "Que cherchez-vous ?", "What are you looking for?";
    search_hint: "Un nom, un type de lieu, une commune, un service… par exemple « fablab Angoulême ».", "A name, a kind of place, a commune, a service… for example \"fablab Angoulême\".";
    search_submit: "Rechercher", "Search";
    search_results: "{} résultats", "{} results";
    search_one_result: "1 résultat", "1 result";
    search_none: "Aucun résultat. Essayez moins de mots ou retirez un filtre.", "No results. Try fewer words or remove a filter.";
    search_filters: "Affiner", "Refine";
    search_clear: "Retirer tous les filtres", "Remove every filter";
    search_open_now: "Ouverts maintenant", "Open now";
    search_next: "Résultats suivants", "Next results";
    search_first: "Retour au début", "Back to the start";
    search_map: "Carte des résultats", "Map of the results";
    search_map_note: "La carte montre les résultats de la zone affichée ; la liste reste la référence.", "The map shows the results in view; the list remains the reference.";
    search_distance: "à {}", "{} away";
    search_stale: "à vérifier", "to be checked";
    facet_kind: "Type de fiche", "Record type";
    facet_kinds: "Type de lieu", "Kind of place";
    facet_service_types: "Type de service", "Service type";
    facet_thematiques: "Thématique", "Theme";
    facet_publics: "Public", "Audience";
    facet_fees: "Frais", "Fees";
    facet_labels: "Labels et programmes", "Labels and programmes";
    facet_networks: "Réseaux", "Networks";
    facet_departement: "Département", "Département";
    facet_region: "Région", "Region";
    facet_quality: "Qualité de la fiche", "Record quality";
    home_counts: "{} lieux, {} organisations et {} services recensés.", "{} places, {} organisations and {} services listed.";
    home_browse: "Parcourir par type de lieu", "Browse by kind of place";
    embed_more: "Voir sur Maillage", "See on Maillage";

    // API documentation page
    api_docs_title: "Documentation de l'API", "API documentation";
    api_docs_intro: "L'API JSON est servie sous /api/v1. Le document OpenAPI 3.1 complet est disponible ici :", "The JSON API is served under /api/v1. The complete OpenAPI 3.1 document is available here:";
    api_docs_auth: "Authentification : en-tête « Authorization: Bearer JETON », avec un jeton créé depuis votre compte.", "Authentication: header \"Authorization: Bearer TOKEN\", with a token created from your account.";
    api_docs_errors: "Les erreurs répondent {\"error\": {\"code\", \"message\", \"details\"}} avec le statut HTTP approprié.", "Errors answer {\"error\": {\"code\", \"message\", \"details\"}} with the appropriate HTTP status.";
    api_docs_parameters: "Paramètres", "Parameters";
    api_docs_request_body: "Corps de la requête", "Request body";
    api_docs_responses: "Réponses", "Responses";
    api_docs_schemas: "Schémas", "Schemas";
    api_docs_scope: "Droit requis", "Required right";

    // Duplicates review
    dup_title: "Doublons à examiner", "Duplicates to review";
    dup_intro: "Ces paires de fiches se ressemblent, sans assez de certitude pour les fusionner automatiquement. Comparez-les, puis fusionnez-les ou gardez-les séparées : votre décision est retenue lors des imports suivants.", "These pairs of records look alike, without enough certainty to merge them automatically. Compare them, then merge them or keep them apart: your decision is remembered by later imports.";
    dup_none: "Aucune paire en attente d'examen.", "No pair waiting for review.";
    dup_pending_count: "{} paires en attente", "{} pairs waiting";
    dup_col_pair: "Fiches", "Records";
    dup_col_score: "Ressemblance", "Similarity";
    dup_col_reasons: "Indices", "Clues";
    dup_compare: "Comparer", "Compare";
    dup_pair_title: "Comparer deux fiches", "Compare two records";
    dup_pair_hint: "Pour chaque champ qui diffère, choisissez la valeur à garder. La fiche conservée est « {} » (vérifiée, ou à défaut la plus ancienne) ; l'autre y renverra.", "For each field that differs, choose the value to keep. The record kept is \"{}\" (verified, or else the older one); the other will point to it.";
    dup_field: "Champ", "Field";
    dup_record: "Fiche n° {}", "Record no. {}";
    dup_keep_this: "garder cette valeur", "keep this value";
    dup_empty: "(vide)", "(empty)";
    dup_united: "les deux listes seront réunies", "both lists will be kept";
    dup_merge: "Fusionner", "Merge";
    dup_distinct: "Ce ne sont pas des doublons", "These are not duplicates";
    dup_already: "Cette paire a déjà été traitée.", "This pair was already settled.";
    dup_merges_title: "Fusions récentes", "Recent merges";
    dup_merge_line: "n° {} fusionnée dans n° {}, {} ({})", "no. {} merged into no. {}, {} ({})";
    dup_auto: "automatiquement", "automatically";
    dup_manual: "après examen", "after review";
    dup_undo: "Annuler la fusion", "Undo the merge";
    dup_undone: "annulée le {}", "undone on {}";
    dup_merged_notice: "Les deux fiches ont été fusionnées.", "The two records were merged.";
    dup_kept_apart_notice: "C'est noté : ces fiches resteront distinctes.", "Noted: these records will stay apart.";
    dup_unmerged_notice: "La fusion est annulée : les deux fiches sont de nouveau séparées.", "The merge is undone: the two records are separate again.";

    // Imports from the web
    imp_title: "Importer une source", "Import a source";
    imp_intro: "Déposez un fichier CSV (tout séparateur, UTF-8 ou Windows-1252), JSON ou GeoJSON. Une ligne en erreur n'arrête jamais l'import : elle est rejetée avec son motif.", "Upload a CSV (any delimiter, UTF-8 or Windows-1252), JSON or GeoJSON file. A faulty row never stops the import: it is rejected with its reason.";
    imp_file: "Fichier à importer", "File to import";
    imp_mapping: "Correspondance des colonnes", "Column mapping";
    imp_mapping_hint: "Celles livrées avec Maillage (dossier mappings/), ou votre propre fichier ci-dessous.", "The ones shipped with Maillage (mappings/ folder), or your own file below.";
    imp_mapping_file: "Ou votre fichier de correspondance (TOML ou JSON)", "Or your own mapping file (TOML or JSON)";
    imp_source: "Nom de la source", "Source name";
    imp_source_hint: "Réimporter sous le même nom met à jour ses fiches et retire celles qui ont disparu. Par défaut : le nom de la correspondance.", "Importing again under the same name updates its records and retires those that disappeared. Default: the mapping's name.";
    imp_within: "Départements retenus", "Départements kept";
    imp_within_hint: "Codes séparés par des virgules (par exemple 16, 17) ; laissez vide pour tout importer.", "Codes separated by commas (for example 16, 17); leave empty to import everything.";
    imp_submit: "Importer", "Import";
    imp_runs_title: "Imports récents", "Recent imports";
    imp_col_run: "Import", "Import";
    imp_col_source: "Source", "Source";
    imp_col_started: "Début", "Started";
    imp_col_status: "État", "Status";
    imp_col_counts: "Résultat", "Result";
    imp_status_running: "en cours", "running";
    imp_status_done: "terminé", "done";
    imp_status_failed: "échoué", "failed";
    imp_status_interrupted: "interrompu", "interrupted";
    imp_run_title: "Import n° {} : {}", "Import no. {}: {}";
    imp_counts: "Lues {} ; créées {} ; mises à jour {} ; inchangées {} ; retirées {} ; rejetées {}", "Read {}; created {}; updated {}; unchanged {}; retired {}; rejected {}";
    imp_skipped: "{} lignes hors du territoire ignorées.", "{} rows outside the territory skipped.";
    imp_duplicates: "Doublons : {} fusionnés automatiquement, {} à examiner.", "Duplicates: {} merged automatically, {} to review.";
    imp_running_note: "L'import est en cours ; cette page se recharge toute seule.", "The import is running; this page reloads by itself.";
    imp_rejects_title: "Lignes rejetées", "Rejected rows";
    imp_no_rejects: "Aucune ligne rejetée.", "No row rejected.";
    imp_col_line: "Ligne", "Line";
    imp_col_field: "Champ", "Field";
    imp_col_reason: "Motif", "Reason";
    imp_col_row: "Contenu de la ligne", "Row content";
    imp_rejects_csv: "Télécharger les rejets (CSV)", "Download the rejects (CSV)";
    imp_err_file: "Choisissez un fichier à importer.", "Choose a file to import.";
    imp_err_mapping: "Choisissez une correspondance livrée ou déposez un fichier de correspondance valide.", "Choose a shipped mapping or upload a valid mapping file.";
    imp_err_source: "De 1 à 80 caractères, autre que « manual ».", "1 to 80 characters, other than \"manual\".";
    imp_err_within: "Des codes de départements séparés par des virgules (16, 2A, 974…).", "Département codes separated by commas (16, 2A, 974…).";
    imp_err_unreadable: "Le fichier est illisible dans ce format : {}", "The file cannot be read in this format: {}";

    // Invoices
    inv_title: "Facture n° {}", "Invoice no. {}";
    inv_credit_title: "Avoir n° {}", "Credit note no. {}";
    inv_credit_of: "Annule la facture n° {}", "Cancels invoice no. {}";
    inv_date: "Date d'émission", "Date of issue";
    inv_customer: "Client", "Customer";
    inv_label: "Désignation", "Description";
    inv_quantity: "Quantité", "Quantity";
    inv_unit: "Prix unitaire HT", "Unit price excl. VAT";
    inv_vat_rate: "TVA", "VAT";
    inv_line_total: "Total HT", "Total excl. VAT";
    inv_net: "Total HT", "Total excl. VAT";
    inv_vat: "TVA", "VAT";
    inv_gross: "Total TTC", "Total incl. VAT";
    inv_terms: "Paiement à 30 jours à compter de la date d'émission, sans escompte. Pénalités de retard : trois fois le taux d'intérêt légal. Indemnité forfaitaire pour frais de recouvrement due par les clients professionnels : 40 € (articles L441-10 et D441-5 du Code de commerce).", "Payment within 30 days of the date of issue, no discount for early payment. Late-payment penalties: three times the legal interest rate. Fixed recovery indemnity owed by business customers: €40 (articles L441-10 and D441-5 of the French Commercial Code).";
    inv_chain: "Empreinte de chaînage :", "Chain fingerprint:";

    // Errors pages
    error_title: "Une erreur est survenue", "Something went wrong";
    error_not_found: "Cette page n'existe pas.", "This page does not exist.";
    error_forbidden: "Vous n'avez pas accès à cette page.", "You do not have access to this page.";
    error_login_required: "Connectez-vous pour accéder à cette page.", "Log in to access this page.";
    error_csrf: "Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et recommencez.", "The form expired or did not come from this site. Reload the page and try again.";
    error_busy: "Le service est très sollicité. Réessayez dans un instant.", "The service is very busy. Try again in a moment.";
    error_internal: "Erreur interne. L'équipe a été prévenue ; réessayez plus tard.", "Internal error. The team has been notified; try again later.";
    error_back_home: "Retour à l'accueil", "Back to the home page";

    // Mails
    mail_signature: "L'équipe Maillage", "The Maillage team";
    mail_confirm_subject: "Confirmez votre adresse pour Maillage", "Confirm your address for Maillage";
    mail_confirm_body: "Bonjour {},\n\nPour activer votre compte Maillage, ouvrez ce lien (valable 3 jours) :\n\n{}\n\nSi vous n'avez pas créé de compte, ignorez ce message.", "Hello {},\n\nTo activate your Maillage account, open this link (valid for 3 days):\n\n{}\n\nIf you did not create an account, ignore this message.";
    mail_exists_subject: "Vous avez déjà un compte Maillage", "You already have a Maillage account";
    mail_exists_body: "Bonjour,\n\nQuelqu'un (vous, sans doute) a voulu créer un compte avec cette adresse, mais elle en a déjà un. Pour vous connecter : {}\n\nMot de passe oublié ? {}", "Hello,\n\nSomeone (probably you) tried to sign up with this address, but it already has an account. To log in: {}\n\nForgot your password? {}";
    mail_reset_subject: "Nouveau mot de passe pour Maillage", "New password for Maillage";
    mail_reset_body: "Bonjour {},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n\n{}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.", "Hello {},\n\nTo choose a new password, open this link (valid for one hour, once):\n\n{}\n\nIf you did not ask for it, ignore this message: your password stays unchanged.";
    mail_freshness_subject: "« {} » est-il à jour ?", "Is \"{}\" up to date?";
    mail_freshness_body: "Bonjour {},\n\nLa fiche « {} » n'a pas été vérifiée depuis longtemps. Si elle est exacte, confirmez-le d'un clic (lien valable 30 jours, une seule fois) :\n\n{}\n\nSi quelque chose a changé, corrigez la fiche :\n\n{}", "Hello {},\n\nThe record \"{}\" has not been checked for a long time. If it is right, confirm it in one click (link valid for 30 days, once):\n\n{}\n\nIf something changed, correct the record:\n\n{}";
    mail_consent_subject: "Autorisation parentale : {} au « {} »", "Parental consent: {} at \"{}\"";
    mail_consent_body: "Bonjour,\n\n{} a inscrit {} à « {} » ({}). Cette personne étant mineure, l'inscription attend votre accord. Pour le donner, ouvrez ce lien (valable 7 jours, une seule fois) :\n\n{}\n\nSans accord, la place sera proposée à la personne suivante.", "Hello,\n\n{} registered {} for \"{}\" ({}). As they are under 18, the registration awaits your consent. To give it, open this link (valid for 7 days, once):\n\n{}\n\nWithout consent, the seat will be offered to the next person.";
    consent_title: "Autorisation parentale", "Parental consent";
    consent_question: "{} a inscrit {} à « {} » ({}). Donnez-vous votre accord ?", "{} registered {} for \"{}\" ({}). Do you consent?";
    consent_submit: "Je donne mon accord", "I consent";
    consent_done: "Merci : l'inscription de {} est confirmée.", "Thank you: {}'s registration is confirmed.";
    consent_invalid: "Ce lien n'est pas ou plus valable.", "This link is not valid (any more).";
    mail_password_changed_subject: "Votre mot de passe Maillage a changé", "Your Maillage password changed";
    mail_password_changed_body: "Bonjour {},\n\nLe mot de passe de votre compte vient d'être changé. Si ce n'est pas vous, demandez un nouveau mot de passe sans attendre : {}", "Hello {},\n\nYour account's password has just been changed. If this was not you, ask for a new password right away: {}";

    // Accounting: revenue, invoices list, closing months (place managers)
    acc_revenue_title: "Recettes de {}", "Revenue of {}";
    acc_invoices_title: "Factures de {}", "Invoices of {}";
    acc_from: "Du (AAAA-MM-JJ)", "From (YYYY-MM-DD)";
    acc_to: "Au (AAAA-MM-JJ, inclus)", "To (YYYY-MM-DD, included)";
    acc_show: "Afficher", "Show";
    acc_cat_rental: "Location d'espaces", "Space rental";
    acc_cat_privatisation: "Privatisations", "Privatisations";
    acc_cat_events: "Événements et programmes", "Events and programmes";
    acc_cat_memberships: "Adhésions", "Memberships";
    acc_cat_accompaniment: "Accompagnement", "Accompaniment";
    acc_cat_other: "Autres", "Other";
    acc_month: "Mois", "Month";
    acc_total: "Total HT", "Total excl. VAT";
    acc_chart_title: "Recettes hors taxes par mois et par catégorie", "Revenue excluding VAT per month and category";
    acc_chart_desc: "Barres empilées, une par mois, du {} au {}. Le tableau qui suit donne les montants.", "Stacked bars, one per month, from {} to {}. The table that follows gives the amounts.";
    acc_credit_notes: "Avoirs déduits ; montants hors taxes.", "Credit notes deducted; amounts excluding VAT.";
    acc_fec: "Télécharger l'export comptable (FEC)", "Download the accounting export (FEC)";
    acc_invoices_link: "Liste des factures", "List of invoices";
    acc_revenue_link: "Recettes", "Revenue";
    acc_close_title: "Clôturer un mois", "Close a month";
    acc_close_label: "Mois à clôturer (AAAA-MM)", "Month to close (YYYY-MM)";
    acc_close_hint: "Une fois le mois clôturé, aucune facture ni aucun avoir ne peut plus y être daté. La clôture est définitive.", "Once the month is closed, no invoice or credit note can be dated in it any more. Closing is final.";
    acc_close_submit: "Clôturer définitivement", "Close for good";
    acc_closed: "Mois clôturés", "Closed months";
    acc_none_closed: "Aucun mois clôturé.", "No month closed yet.";
    acc_closed_notice: "Le mois est clôturé.", "The month is closed.";
    acc_period_malformed: "Écrivez le mois sous la forme AAAA-MM, par exemple 2027-03.", "Write the month as YYYY-MM, for example 2027-03.";
    acc_period_future: "Un mois qui n'a pas commencé ne peut pas être clôturé.", "A month that has not started cannot be closed.";
    acc_period_already: "Ce mois est déjà clôturé.", "This month is already closed.";
    acc_date_malformed: "Écrivez la date sous la forme AAAA-MM-JJ ; la fin ne peut précéder le début.", "Write the date as YYYY-MM-DD; the end cannot come before the start.";
    acc_no_invoice: "Aucune facture sur cette période.", "No invoice in this period.";
    acc_number: "Numéro", "Number";
    acc_date: "Date", "Date";
    acc_kind: "Type", "Type";
    acc_kind_invoice: "Facture", "Invoice";
    acc_kind_credit: "Avoir", "Credit note";
    inv_due: "Date d'échéance", "Due date";
    inv_siret_missing: "à renseigner sur la fiche du lieu", "to be filled in on the place's record";
    inv_nature: "Nature des opérations : prestations de services. TVA exigible d'après les encaissements.", "Nature of the operations: provision of services. VAT due on receipt of payment.";
}
