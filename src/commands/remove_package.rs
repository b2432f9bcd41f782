//! `scaffold remove-package NAME`: checks the name, then has [`crate::repo::remove_package`]
//! plan taking the package out of the wiring and the Dockerfile block.

use crate::cli::RemovePackageArgs;
use crate::error::bail;
use crate::repo::remove_package::plan;
use crate::ui::Ui;

pub fn run(args: RemovePackageArgs, ui: Ui) -> super::Outcome {
    let repo = super::open(&args.dir, ui, !args.dry_run)?;
    let (root, mut record) = (repo.root.clone(), repo.record.clone());
    // Shell completion offers `inventory/` and `./inventory/`; both name the folder.
    let name = args.name.trim_start_matches("./").trim_end_matches('/');
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        bail!(
            "`{}` is not a top-level package folder; give its name, e.g. `inventory`",
            args.name
        );
    }
    let (plan, warnings) = plan(&root, &mut record, name, args.delete, args.force)?;
    super::Finish {
        command: "remove-package",
        root: &root,
        plan,
        warnings,
        dry_run: args.dry_run,
        headline: Some(super::Headline {
            done: "Removed",
            dry: "Would remove",
            what: format!("package {name} from the build"),
        }),
    }
    .run(ui)
    .map(Some)
}
