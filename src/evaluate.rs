//! Runs the checks over an inventory and builds the report (STUB).
