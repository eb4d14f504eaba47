//! Collection: collect (STUB).
