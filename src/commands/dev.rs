//! `scaffold dev`: the local loop; the work lives in [`crate::dev`].

use crate::cli::DevArgs;
use crate::dev::{self, Options};
use crate::error::Result;
use crate::ui::Ui;

pub fn run(args: DevArgs, ui: Ui) -> Result<()> {
    // A run killed in this repo is finished or undone first, as by every command; the lock
    // is not held while dev runs, or no add-package could run beside it.
    if let Ok(root) = crate::repo::project::find_root(&args.dir) {
        drop(super::hold(&root, ui, true)?);
    }
    dev::run(
        Options {
            dir: args.dir,
            port: args.port,
            database_address: args.database_address,
            keep_data: args.keep_data,
            nakama_args: args.nakama_args,
        },
        ui,
    )
}
