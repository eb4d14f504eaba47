//! Collection: aws (STUB).
