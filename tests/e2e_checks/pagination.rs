//! The pagination of `GetRestApis` / `GetResources`: every page is read, and no more.

use apigw_auditor::report::Severity;

use crate::common::{assert_api, assert_fail, route, NOT_POST};
use crate::support::audit::{audit_with, config, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::new_fleet;

/// With `collect.page_size = 2`, three APIs (one with 7 resources: `/` and `/r1`…`/r6`) are
/// collected completely, and the calls match the paging exactly. ministack pages like AWS
/// (`apigateway_v1._v1_paginate`): it returns a `position` only when more items follow, so no
/// extra empty page is fetched, and resources come back in creation order, so `/r6` is alone
/// on the fourth page: [`/`, r1] [r2, r3] [r4, r5] [r6].
#[tokio::test]
async fn pagination_collects_every_page_and_no_more() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("paged").await;
    let big = fleet.create_api("big").await;
    for n in 1..=6 {
        let options = if n == 6 {
            // A finding on the last page proves that page was read.
            MethodOptions::default().integration_http_method("GET")
        } else {
            MethodOptions::default()
        };
        big.lambda_proxy_method(&format!("/r{n}"), "GET", &function, options)
            .await;
    }
    big.deploy("prod", &[]).await;
    for name in ["small-a", "small-b"] {
        let api = fleet.create_api(name).await;
        api.lambda_proxy_method("/x", "GET", &function, MethodOptions::default())
            .await;
        api.deploy("prod", &[]).await;
    }

    let mut config = config();
    config.collect.page_size = 2;
    let report = audit_with(&config, &sdk).await;

    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(report.summary.apis, 3);
    assert_eq!(report.summary.stages, 3);
    // 6 routes of `big` + 1 per small API.
    assert_eq!(report.summary.routes, 8);
    assert_eq!(report.summary.functions, 1);

    let f = only(&report, NOT_POST);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &big);
    assert_eq!(route(f), ("GET", "/r6"));

    let calls = &report.summary.api_calls;
    let count = |operation: &str| calls.get(operation).copied().unwrap_or(0);
    let pages = |items: u64| items.div_ceil(2);
    // 3 APIs → 2 pages.
    assert_eq!(count("apigateway:GetRestApis"), pages(3), "{calls:#?}");
    // `big`: 7 resources → 4 pages; each small API: `/` and `/x` → 1 page.
    assert_eq!(
        count("apigateway:GetResources"),
        pages(7) + pages(2) + pages(2),
        "{calls:#?}"
    );
    // Not paginated: one call per API. No authorizers: one (empty) page per API.
    assert_eq!(count("apigateway:GetStages"), 3, "{calls:#?}");
    assert_eq!(count("apigateway:GetAuthorizers"), 3, "{calls:#?}");
    // One distinct target, read once however many routes invoke it.
    assert_eq!(count("lambda:GetFunction"), 1, "{calls:#?}");
}
