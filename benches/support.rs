//! Shared support for the criterion suites in this folder.
