/// The OpenAPI 3.1 document of the service (`Resources/openapi.yaml`, also at docs/openapi.yaml),
/// built into the binary so that `dealrules serve` is still one file to deploy.
package enum OpenAPIDocument {
    package static let bytes: [UInt8] = PackageResources.openapi_yaml
}

/// The deal desk (Resources/web/), built into the binary: `GET /` and the two files it loads.
package enum WebPage {
    package static let html: [UInt8] = PackageResources.index_html
    package static let script: [UInt8] = PackageResources.app_js
    package static let style: [UInt8] = PackageResources.style_css
}
