//! `countersign serve`: the ESS-compatible HTTP service.

use std::path::PathBuf;

use countersign::server::{ServeSettings, DEFAULT_DATA_DIR, DEFAULT_LISTEN};

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
}

pub fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let settings = ServeSettings {
        listen: args.listen,
        config: args.config,
        data: args.data,
    };
    countersign::server::run(&settings, &mut std::io::stdout())
}
