using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>The OpenAPI document describes the API the server really maps.</summary>
public sealed class OpenApiTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task Every_mapped_route_is_in_the_document_with_its_problem_answers_and_the_bearer_scheme()
    {
        using var client = server.Client(null);
        var document = (await client.FetchAsync("/openapi/v1.json")).Is(200).Json;
        var paths = document["paths"]!.AsObject();

        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.OrdinalIgnoreCase) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m.ToLowerInvariant(), Path: Normalize(e.RoutePattern.RawText!))))
            .Distinct()
            .ToList();

        mapped.Count.ShouldBeGreaterThan(20);
        foreach (var (method, path) in mapped)
        {
            var operation = paths[path]?[method].ShouldNotBeNull($"{method.ToUpperInvariant()} {path} is mapped but not in the OpenAPI document");
            var responses = operation!["responses"]!.AsObject();
            foreach (var status in new[] { "401", "403", "503" })
            {
                responses[status]?["content"]?["application/problem+json"].ShouldNotBeNull($"{method} {path} declares no {status} problem");
            }

            // The success comes from the handler's return type (Answer<T>, CreatedAnswer<T>, …).
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            success.ShouldNotBeEmpty($"{method} {path} declares no success");
            success.Where(r => r.Key != "204").ShouldAllBe(
                r => r.Value!["content"]!["application/json"] != null || r.Value!["content"]!["text/event-stream"] != null, $"{method} {path} declares no JSON success body");
        }

        // The problems come from the handler's [Refusals]; the body schema from its answer type.
        var charge = paths["/v1/accounts/{externalId}/charges"]!["post"]!["responses"]!;
        charge["201"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("MutationResponse");
        foreach (var status in new[] { "400", "402", "409", "423" })
        {
            charge[status]?["content"]?["application/problem+json"].ShouldNotBeNull($"charges declare no {status}");
        }

        paths["/v1/accounts/{externalId}/balance"]!["get"]!["responses"]!["304"].ShouldNotBeNull();
        paths["/v1/accounts/{externalId}/entries"]!["get"]!["responses"]!["200"]!["content"]!["text/csv"].ShouldNotBeNull();

        document["components"]!["securitySchemes"]!["bearer"]!["type"]!.GetValue<string>().ShouldBe("http");
        document["security"]!.AsArray().ShouldHaveSingleItem();
        document["servers"]?.AsArray().Count.ShouldBe(0);
    }

    /// <summary>A route pattern as OpenAPI spells its path: no trailing slash.</summary>
    private static string Normalize(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
}
