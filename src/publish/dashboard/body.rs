//! The dashboard body as typed data that serialises to exactly the JSON `PutDashboard` takes
//! (docs/aws-facts.md §6, "Dashboard Body Structure"), and the grid layout that places the widgets.
//!
//! Widgets are only built through the constructors here, so a widget's `type` always matches
//! its `properties`.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

/// Dashboards are 24 grid columns wide.
pub const GRID_COLUMNS: u32 = 24;
/// The tallest widget `PutDashboard` accepts.
pub const MAX_WIDGET_HEIGHT: u32 = 1000;

/// One dashboard body: `serde_json::to_string` of it is the `DashboardBody`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// The default time range, relative to now (`-PT24H`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// `auto` or `inherit`; left out, CloudWatch uses `auto`.
    #[serde(rename = "periodOverride", skip_serializing_if = "Option::is_none")]
    pub period_override: Option<String>,
    pub widgets: Vec<Widget>,
}

impl Dashboard {
    /// The `DashboardBody` text.
    pub fn body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Metrics on the dashboard, counted against the 2,500 per dashboard.
    pub fn metric_count(&self) -> usize {
        self.widgets.iter().map(Widget::metric_count).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WidgetKind {
    Text,
    Metric,
    Log,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Widget {
    #[serde(rename = "type")]
    pub kind: WidgetKind,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub properties: Properties,
}

/// The properties of each widget type; `untagged` because the type is the widget's `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Properties {
    Text(TextProperties),
    Metric(MetricProperties),
    Log(LogProperties),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextProperties {
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricProperties {
    pub metrics: Vec<MetricLine>,
    pub view: &'static str,
    pub stacked: bool,
    /// The default statistic; a line's own `stat` overrides it.
    pub stat: &'static str,
    pub period: u32,
    pub region: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogProperties {
    pub query: String,
    pub region: String,
    pub view: &'static str,
    pub title: String,
}

/// One metric of a metric widget. It serialises as the array form CloudWatch wants:
/// `[namespace, name, dimension name, dimension value, ..., {rendering options}]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLine {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, String)>,
    pub options: MetricOptions,
}

/// The rendering options of one metric; empty ones are left out of the body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stat: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<&'static str>,
    /// `right` puts the line on the right axis (request counts next to error counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y_axis: Option<&'static str>,
    /// Set only when the inventory spans several accounts (cross-account dashboards).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl MetricOptions {
    fn is_empty(&self) -> bool {
        *self == MetricOptions::default()
    }
}

impl Serialize for MetricLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        seq.serialize_element(&self.namespace)?;
        seq.serialize_element(&self.name)?;
        for (name, value) in &self.dimensions {
            seq.serialize_element(name)?;
            seq.serialize_element(value)?;
        }
        if !self.options.is_empty() {
            seq.serialize_element(&self.options)?;
        }
        seq.end()
    }
}

impl Widget {
    fn new(kind: WidgetKind, width: u32, height: u32, properties: Properties) -> Widget {
        Widget {
            kind,
            x: 0,
            y: 0,
            width: width.clamp(1, GRID_COLUMNS),
            height: height.clamp(1, MAX_WIDGET_HEIGHT),
            properties,
        }
    }

    pub fn text(width: u32, height: u32, markdown: String) -> Widget {
        let properties = Properties::Text(TextProperties { markdown });
        Widget::new(WidgetKind::Text, width, height, properties)
    }

    pub fn metric(width: u32, height: u32, properties: MetricProperties) -> Widget {
        Widget::new(
            WidgetKind::Metric,
            width,
            height,
            Properties::Metric(properties),
        )
    }

    pub fn log(width: u32, height: u32, properties: LogProperties) -> Widget {
        Widget::new(WidgetKind::Log, width, height, Properties::Log(properties))
    }

    /// Metrics on this widget (0 for text and log widgets).
    pub fn metric_count(&self) -> usize {
        match &self.properties {
            Properties::Metric(metric) => metric.metrics.len(),
            _ => 0,
        }
    }

    /// The markdown of a text widget.
    pub fn markdown(&self) -> Option<&str> {
        match &self.properties {
            Properties::Text(text) => Some(&text.markdown),
            _ => None,
        }
    }
}

/// Places widgets left to right in rows, top to bottom, in the order given: a widget that does
/// not fit in what is left of the row starts the next one, so full-width widgets (headers,
/// section titles, tables) always sit on their own row and 6-wide graphs come four to a row.
pub fn lay_out(widgets: &mut [Widget]) {
    let (mut x, mut y, mut row_height) = (0u32, 0u32, 0u32);
    for widget in widgets {
        if x + widget.width > GRID_COLUMNS {
            y = y.saturating_add(row_height);
            x = 0;
            row_height = 0;
        }
        widget.x = x;
        widget.y = y;
        x += widget.width;
        row_height = row_height.max(widget.height);
    }
}
