//! Stage variables in integration URIs: the names a URI uses, and their substitution with a
//! stage's values (docs/aws-facts.md §2, "Stage variables in the integration URI").

use std::collections::BTreeMap;

use super::ArnError;

/// The names of the stage variables a string refers to, in order of appearance.
pub fn stage_variable_names(text: &str) -> Result<Vec<String>, ArnError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| ArnError::UnterminatedStageVariable(text.to_string()))?;
        names.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Replaces every `${stageVariables.x}` with the stage's value of `x`.
pub fn substitute_stage_variables(
    text: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String, ArnError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| ArnError::UnterminatedStageVariable(text.to_string()))?;
        let name = &after[..end];
        let value = variables
            .get(name)
            .ok_or_else(|| ArnError::UndefinedStageVariable(name.to_string()))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
