//! `countersign serve`: the ESS-compatible HTTP service.

use std::path::PathBuf;

use countersign_ess::server::{DEFAULT_DATA_DIR, DEFAULT_LISTEN, ServeSettings};

/// Runs the Tencent ESS API-3.0 compatible counter-signing service.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (plain HTTP).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Service configuration (TOML); without it, a bundled demo configuration is used.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder of the durable store (database and files).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// The URL clients use (behind a proxy, or when listening on 0.0.0.0): base of the download
    /// links, and its host is accepted as the request Host. Overrides `public_url` of --config.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

pub fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let settings = {
        let mut serve_settings = ServeSettings::default();
        serve_settings.listen = args.listen;
        serve_settings.config = args.config;
        serve_settings.data = args.data;
        serve_settings.public_url = args.public_url;
        serve_settings
    };
    // A closed stdout (`serve | head -1`) does not stop the server.
    countersign_ess::server::run(&settings, &mut super::console::Quiet(std::io::stdout()))
}
