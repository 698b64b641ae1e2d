/// The OpenAPI 3.1 document of the service (`Resources/openapi.yaml`, also at docs/openapi.yaml),
/// built into the binary so that `dealrules serve` is still one file to deploy.
package enum OpenAPIDocument {
    package static let bytes: [UInt8] = PackageResources.openapi_yaml
}
