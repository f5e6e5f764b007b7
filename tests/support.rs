//! Shared support for the workspace-level integration tests in this folder.
