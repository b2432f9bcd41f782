//! The Docker model: everything scaffold knows about a Dockerfile and its build context, read
//! without Docker. The parser and its shell words, `.dockerignore`, the managed
//! `# scaffold:packages` block, and the Nakama image tags.

pub mod block;
pub mod ignore;
pub mod images;
pub mod parse;
pub mod shellwords;

/// Variables visible to an instruction (ARG and ENV values). Here, not in `parse`, because the
/// parser and the shell-word splitter both need it and `parse` already uses `shellwords`.
pub type Env = std::collections::BTreeMap<String, String>;
