//! The Docker model: everything scaffold knows about a Dockerfile and its build context, read
//! without Docker. The parser ([`parse`]) and its shell words ([`shellwords`]), and the go
//! commands a RUN runs ([`buildline`]); `.dockerignore`
//! ([`ignore`]) and the wildcards it shares with COPY ([`glob`]); what a COPY source names in the
//! context ([`copy`]); the stages replayed, so it is known which context paths end up where in
//! an image ([`replay`]); slash paths ([`path`]); and the two things scaffold edits: the managed
//! `# scaffold:packages` block ([`block`]) and the Nakama image tags ([`images`]).

pub mod block;
pub(crate) mod buildline;
pub(crate) mod copy;
pub(crate) mod glob;
pub mod ignore;
pub mod images;
pub mod parse;
pub(crate) mod path;
pub mod replay;
pub mod shellwords;
pub mod stage;
pub mod tree;

/// Variables visible to an instruction (ARG and ENV values). Here, not in `parse`, because the
/// parser and the shell-word splitter both need it and `parse` already uses `shellwords`.
pub type Env = std::collections::BTreeMap<String, String>;
