//! The log signatures of a broken API Gateway → Lambda link (docs/aws-facts.md §4, §5, §12.5): the
//! phrase CloudWatch Logs is searched for, what it means, and the status clients get. Collection
//! and the log checks share this one list; which checks explain each line is declared by the
//! checks themselves (`Check::explains`).

/// One failure signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The exact phrase, searched as a quoted filter pattern.
    pub phrase: &'static str,
    /// What it means, for messages and the documentation.
    pub meaning: &'static str,
    /// The status clients of the API get when it happens.
    pub client_status: u16,
}

impl Signature {
    /// The CloudWatch Logs filter pattern: the phrase in double quotes, so it matches as a whole
    /// (one pattern per signature: `?"a" ?"b"` alternatives are not understood everywhere).
    pub fn filter_pattern(&self) -> String {
        format!("\"{}\"", self.phrase)
    }
}

pub static MALFORMED_PROXY_RESPONSE: Signature = Signature {
    phrase: "Malformed Lambda proxy response",
    meaning: "the function returned a response API Gateway cannot use (body not a string, unknown key, bad statusCode)",
    client_status: 502,
};

pub static INVALID_PERMISSIONS: Signature = Signature {
    phrase: "Invalid permissions on Lambda function",
    meaning: "the function's resource policy does not let API Gateway invoke it for this route or authorizer",
    client_status: 500,
};

pub static CUSTOMER_FUNCTION_ERROR: Signature = Signature {
    phrase: "customer function error",
    meaning: "the function raised an error or timed out before the integration timeout",
    client_status: 502,
};

pub static INTEGRATION_TIMEOUT: Signature = Signature {
    phrase: "Execution failed due to a timeout error",
    meaning: "the integration timed out (29 s by default) while the function ran",
    client_status: 504,
};

pub static RATE_EXCEEDED: Signature = Signature {
    phrase: "Rate Exceeded",
    meaning: "Lambda throttled the invocation (429): concurrency exhausted or reserved concurrency too low",
    client_status: 500,
};

pub static CANNOT_ASSUME_ROLE: Signature = Signature {
    phrase: "does not have permission to assume the provided role",
    meaning: "the integration's credentials role does not trust apigateway.amazonaws.com",
    client_status: 500,
};

/// Lines of `API-Gateway-Execution-Logs_{apiId}/{stage}`, in the order they are searched.
pub static EXECUTION_LOG: [&Signature; 6] = [
    &MALFORMED_PROXY_RESPONSE,
    &INVALID_PERMISSIONS,
    &CUSTOMER_FUNCTION_ERROR,
    &INTEGRATION_TIMEOUT,
    &RATE_EXCEEDED,
    &CANNOT_ASSUME_ROLE,
];

pub static MALFORMED_HANDLER_NAME: Signature = Signature {
    phrase: "Runtime.MalformedHandlerName",
    meaning:
        "the handler setting cannot name a module and function for this runtime (no `.`, or `..`)",
    client_status: 502,
};

pub static IMPORT_MODULE_ERROR: Signature = Signature {
    phrase: "Runtime.ImportModuleError",
    meaning: "the handler's module cannot be imported (missing from the package, or a dependency missing)",
    client_status: 502,
};

pub static HANDLER_NOT_FOUND: Signature = Signature {
    phrase: "Runtime.HandlerNotFound",
    meaning: "the handler function is not defined or not exported by its module",
    client_status: 502,
};

pub static INVALID_ENTRYPOINT: Signature = Signature {
    phrase: "Runtime.InvalidEntrypoint",
    meaning: "the entry point (bootstrap, executable) is missing or not executable",
    client_status: 502,
};

pub static PERMISSION_DENIED: Signature = Signature {
    phrase: "Permission denied",
    meaning: "a file of the package is not readable or not executable (needs 644, folders and executables 755)",
    client_status: 502,
};

pub static TASK_TIMED_OUT: Signature = Signature {
    phrase: "Task timed out",
    meaning: "the function hit its own timeout",
    client_status: 502,
};

/// Lines of `/aws/lambda/{function}`, in the order they are searched.
pub static FUNCTION_LOG: [&Signature; 6] = [
    &MALFORMED_HANDLER_NAME,
    &IMPORT_MODULE_ERROR,
    &HANDLER_NOT_FOUND,
    &INVALID_ENTRYPOINT,
    &PERMISSION_DENIED,
    &TASK_TIMED_OUT,
];

/// HTTP APIs write no execution logs; their access log shows an integration's failure in
/// `$context.integrationErrorMessage` (docs/aws-facts.md §12.5). The one text AWS documents there
/// for Lambda is the permission failure (`http-api-troubleshooting-lambda.html`; a real line in
/// terraform-aws-apigateway-v2 issue #41: "The IAM role configured on the integration or API
/// Gateway doesn't have permissions to call the integration. Check the permissions and try
/// again."), so it is the one signature searched: other messages are not documented.
pub static INTEGRATION_PERMISSIONS: Signature = Signature {
    phrase: "have permissions to call the integration",
    meaning: "API Gateway may not invoke the function for this route: no resource-policy statement allows its source ARN, or the integration's role cannot invoke it",
    client_status: 500,
};

/// Lines of an HTTP API stage's access log, searched when its format carries the integration
/// error (`$context.integrationErrorMessage`, `$context.integration.error`) or the gateway's
/// error message.
pub static ACCESS_LOG: [&Signature; 1] = [&INTEGRATION_PERMISSIONS];

/// The signature with this phrase, in any list.
pub fn find(phrase: &str) -> Option<&'static Signature> {
    EXECUTION_LOG
        .iter()
        .chain(FUNCTION_LOG.iter())
        .chain(ACCESS_LOG.iter())
        .copied()
        .find(|s| s.phrase == phrase)
}

/// A log line cut to at most `max` characters (on a character boundary), the last one an
/// ellipsis when something was cut, for samples.
pub fn cut(line: &str, max: usize) -> String {
    let line = line.trim_end();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let kept: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_quoted_phrases_and_unique() {
        let all: Vec<&Signature> = EXECUTION_LOG
            .iter()
            .chain(FUNCTION_LOG.iter())
            .chain(ACCESS_LOG.iter())
            .copied()
            .collect();
        for s in &all {
            assert_eq!(s.filter_pattern(), format!("\"{}\"", s.phrase));
            assert!(!s.phrase.contains('"'));
            assert_eq!(find(s.phrase), Some(*s));
        }
        let mut phrases: Vec<&str> = all.iter().map(|s| s.phrase).collect();
        phrases.dedup();
        assert_eq!(phrases.len(), 13);
    }

    #[test]
    fn cut_keeps_short_lines_and_bounds_long_ones() {
        assert_eq!(cut("short\n", 300), "short");
        let long = "é".repeat(400);
        let cut_line = cut(&long, 300);
        assert_eq!(cut_line.chars().count(), 300);
        assert_eq!(cut(&"a".repeat(300), 300), "a".repeat(300));
        assert!(cut_line.ends_with('…'));
    }
}
