//! Collection: lambda (STUB).
