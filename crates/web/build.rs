//! The front-end libraries come from npm (`crates/web/assets`, lockfile
//! committed, nothing vendored): fail early, with the command to run, when
//! they have not been installed.

fn main() {
    let leaflet = std::path::Path::new("assets/node_modules/leaflet/dist/leaflet.js");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    println!("cargo:rerun-if-changed=assets/node_modules/leaflet/dist/leaflet.js");
    if !leaflet.exists() {
        panic!(
            "\n\nThe web assets are not installed. Run:\n\n    npm ci --prefix crates/web/assets --ignore-scripts\n\n\
             (./scripts/demo and ./scripts/test do it for you.)\n"
        );
    }
}
