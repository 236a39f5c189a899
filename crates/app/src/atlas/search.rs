//! Search requests as people and programs write them (URL parameters), and
//! their translation to the index's query. Pages and the API share this, so
//! a page's URL and an API call with the same parameters find the same
//! records.

use chrono::{DateTime, Utc};
use domain::atlas::RecordKind;
use domain::territory::Territory;
use search::{SearchQuery, Sort};

/// Facets counted for every search, in display order: those the index
/// knows (the same list, so that adding one is one change).
pub use search::schema::FACETS;

/// URL parameter → facet. Singular names read better in URLs.
const PARAM_FACETS: &[(&str, &str)] = &[
    ("type", "kind"),
    ("kind", "kinds"),
    ("service_type", "service_types"),
    ("thematique", "thematiques"),
    ("public", "publics"),
    ("fee", "fees"),
    ("label", "labels"),
    ("network", "networks"),
    ("departement", "departement"),
    ("region", "region"),
    ("quality", "quality"),
];

/// The facet a URL parameter filters, and back.
pub fn facet_of_param(param: &str) -> Option<&'static str> {
    PARAM_FACETS.iter().find(|(p, _)| *p == param).map(|(_, f)| *f)
}

pub fn param_of_facet(facet: &str) -> Option<&'static str> {
    PARAM_FACETS.iter().find(|(_, f)| *f == facet).map(|(p, _)| *p)
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpenFilter {
    Now,
    At(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchParams {
    pub q: String,
    /// facet → accepted values
    pub filters: Vec<(String, Vec<String>)>,
    pub near: Option<(f64, f64, f64)>,
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub open: Option<OpenFilter>,
    pub sort: Option<Sort>,
    pub limit: usize,
    pub cursor: Option<String>,
    /// Map zoom level, for cluster sizes.
    pub zoom: Option<u8>,
}

/// A parameter that cannot be understood: its name and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter {param}: {message}")]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

fn bad(param: &str, message: impl Into<String>) -> ParamError {
    ParamError { param: param.to_owned(), message: message.into() }
}

fn numbers(param: &str, value: &str, n: usize) -> Result<Vec<f64>, ParamError> {
    let parts: Vec<f64> = value
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(param, "numbers separated by commas expected"))?;
    if parts.len() != n || parts.iter().any(|x| !x.is_finite()) {
        return Err(bad(param, format!("{n} numbers separated by commas expected")));
    }
    Ok(parts)
}

/// Reads URL parameters (repeated parameters accumulate). Unknown
/// parameters are ignored so that pages can carry their own.
pub fn parse_params(pairs: &[(String, String)]) -> Result<SearchParams, ParamError> {
    let mut p = SearchParams { limit: 20, ..Default::default() };
    let mut radius_km: Option<f64> = None;
    let mut commune: Option<String> = None;
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "q" => p.q = v.chars().take(200).collect(),
            "near" => {
                let n = numbers("near", v, 2)?;
                if !(-90.0..=90.0).contains(&n[0]) || !(-180.0..=180.0).contains(&n[1]) {
                    return Err(bad("near", "latitude in [-90, 90] and longitude in [-180, 180] expected"));
                }
                p.near = Some((n[0], n[1], 10.0));
            }
            "radius_km" => {
                let r = v.parse::<f64>().map_err(|_| bad("radius_km", "a number of kilometres expected"))?;
                if !(0.0..=1000.0).contains(&r) || r == 0.0 {
                    return Err(bad("radius_km", "between 0 and 1000 kilometres"));
                }
                radius_km = Some(r);
            }
            "commune" => commune = Some(v.to_owned()),
            "bbox" => {
                let b = numbers("bbox", v, 4)?;
                if b[0] > b[2] || b[1] > b[3] {
                    return Err(bad("bbox", "min_lat,min_lon,max_lat,max_lon with min ≤ max expected"));
                }
                p.bbox = Some((b[0], b[1], b[2], b[3]));
            }
            "open" => {
                p.open = Some(if v == "now" {
                    OpenFilter::Now
                } else {
                    OpenFilter::At(
                        DateTime::parse_from_rfc3339(v)
                            .map_err(|_| bad("open", "`now` or a date-time like 2026-11-23T14:30:00+01:00 expected"))?
                            .with_timezone(&Utc),
                    )
                });
            }
            "sort" => {
                p.sort = Some(match v {
                    "relevance" => Sort::Relevance,
                    "distance" => Sort::Distance,
                    "name" => Sort::Name,
                    _ => return Err(bad("sort", "relevance, distance or name expected")),
                })
            }
            "limit" => {
                p.limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| bad("limit", "between 1 and 200"))?;
            }
            "cursor" => p.cursor = Some(v.to_owned()),
            "zoom" => {
                p.zoom = Some(v.parse::<u8>().ok().filter(|z| *z <= 22).ok_or_else(|| bad("zoom", "between 0 and 22"))?)
            }
            other => {
                if let Some(facet) = facet_of_param(other) {
                    if facet == "kind" && RecordKind::parse(v).is_none() {
                        return Err(bad("type", "place, organisation or service expected"));
                    }
                    match p.filters.iter_mut().find(|(f, _)| f == facet) {
                        Some((_, values)) => values.push(v.to_owned()),
                        None => p.filters.push((facet.to_owned(), vec![v.to_owned()])),
                    }
                }
            }
        }
    }
    if let Some(code) = commune {
        let c = Territory::embedded()
            .commune(&code)
            .ok_or_else(|| bad("commune", "an INSEE code of the territory expected"))?;
        let (lat, lon) = c.centroid.ok_or_else(|| bad("commune", "this commune has no known position"))?;
        p.near = Some((lat, lon, radius_km.unwrap_or(10.0)));
    }
    if let (Some((lat, lon, _)), Some(r)) = (p.near, radius_km) {
        p.near = Some((lat, lon, r));
    }
    if p.sort == Some(Sort::Distance) && p.near.is_none() {
        return Err(bad("sort", "sorting by distance needs near=LAT,LON or commune=INSEE"));
    }
    Ok(p)
}

/// Whether `at` is a French public holiday (for `PH off` hours).
fn public_holiday(at: DateTime<Utc>) -> bool {
    domain::atlas::hours::is_french_public_holiday(at.with_timezone(&chrono_tz::Europe::Paris).date_naive())
}

/// The index query for these parameters.
pub fn query(p: &SearchParams, now: DateTime<Utc>) -> SearchQuery {
    let open_at = p.open.as_ref().map(|o| match o {
        OpenFilter::Now => now,
        OpenFilter::At(t) => *t,
    });
    let holiday_at = open_at.unwrap_or(now);
    SearchQuery {
        text: p.q.clone(),
        kinds: Vec::new(),
        filters: p.filters.clone(),
        near: p.near,
        bbox: p.bbox,
        open_at,
        sort: p.sort.unwrap_or(if p.near.is_some() && p.q.is_empty() { Sort::Distance } else { Sort::Relevance }),
        limit: p.limit,
        cursor: p.cursor.clone(),
        facet_counts: FACETS.iter().map(|f| (*f).to_owned()).collect(),
        count_open_now: Some(now),
        public_holiday: public_holiday(holiday_at),
    }
}

/// The grid of map clusters for a zoom level, in degrees: about 60 pixels.
pub fn cluster_cell(zoom: Option<u8>) -> f64 {
    let z = i32::from(zoom.unwrap_or(6).min(20));
    360.0 / 2f64.powi(z) * 60.0 / 256.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn reads_search_parameters_as_urls_carry_them() {
        let p = parse_params(&pairs(&[
            ("q", "fab lab"),
            ("kind", "fablab"),
            ("kind", "tiers-lieu"),
            ("departement", "16"),
            ("near", "45.6,0.15"),
            ("radius_km", "5"),
            ("open", "now"),
        ]))
        .unwrap();
        assert_eq!(p.q, "fab lab");
        assert_eq!(
            p.filters,
            vec![
                ("kinds".into(), vec!["fablab".into(), "tiers-lieu".into()]),
                ("departement".into(), vec!["16".into()])
            ]
        );
        assert_eq!(p.near, Some((45.6, 0.15, 5.0)));
        assert_eq!(p.open, Some(OpenFilter::Now));
        let around = parse_params(&pairs(&[("commune", "16015")])).unwrap();
        assert!(around.near.is_some());
    }

    #[test]
    fn refuses_parameters_it_cannot_understand() {
        for (k, v) in [
            ("near", "abc"),
            ("near", "95,2"),
            ("bbox", "1,2,3"),
            ("bbox", "50,2,40,3"),
            ("radius_km", "-1"),
            ("limit", "0"),
            ("limit", "1000"),
            ("open", "tomorrow"),
            ("sort", "random"),
            ("type", "planet"),
            ("commune", "99999"),
            ("sort", "distance"),
        ] {
            let e = parse_params(&pairs(&[(k, v)])).unwrap_err();
            assert_eq!(e.param, if k == "type" { "type" } else { k }, "{k}={v}");
        }
    }
}
