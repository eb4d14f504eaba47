//! Publishing the report (STUB).
