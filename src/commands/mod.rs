//! One module per subcommand; each only turns its arguments into calls on the library modules.

pub mod add_package;
pub mod completions;
pub mod dev;
pub mod doctor;
pub mod new;
pub mod remove_package;
pub mod sync;
pub mod templates;
pub mod upgrade;
