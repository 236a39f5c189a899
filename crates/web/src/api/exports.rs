//! `/api/v1/exports/{format}`: the atlas as open data in the national
//! formats, for anyone.
//!
//! The export is written to a temporary file first, then streamed from it:
//! memory stays flat whatever the size of the atlas, and a slow client
//! never holds a database read open.

use std::io::{BufWriter, Seek, SeekFrom};

use app::atlas::export::{ExportFormat, export};
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

const CHUNK: usize = 64 * 1024;

/// The atlas in one of the national formats: `mednum-csv`, `mednum-json`
/// (lieux de médiation numérique schema), `data-inclusion-structures`,
/// `data-inclusion-services` (data·inclusion v1), `geojson`, or `dcat`
/// (the DCAT-AP catalogue describing these datasets, their licence and
/// sources). Licence Ouverte 2.0; sample records of demos are left out.
#[utoipa::path(get, path = "/exports/{format}", tag = "atlas",
    params(("format" = String, Path, description = "mednum-csv, mednum-json, data-inclusion-structures, data-inclusion-services, geojson or dcat")),
    responses((status = 200, description = "The export, as a download in the format's media type"),
              (status = 404, body = ErrorBody, description = "Unknown format")))]
pub async fn download(State(state): State<AppState>, Path(format): Path<String>) -> ApiResult<Response> {
    let Some(format) = ExportFormat::parse(&format) else {
        let known: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
        return Err(ApiError::new(Code::NotFound, format!("no export format {format:?}"))
            .with_details(json!({"formats": known})));
    };
    let mut file = tempfile::tempfile().map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    {
        let out = BufWriter::new(&mut file);
        export(&state.app, format, &state.app.config.public_url, out).await?;
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    let file = tokio::fs::File::from_std(file);
    let chunks = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let filename = format!("maillage-{}.{}", format.as_str(), format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}
