//! Collection: apigateway (STUB).
