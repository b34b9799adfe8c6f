using Tally.Client;
using Tally.Client.AspNetCore;
using Tally.Client.Models;

// A host app that sells image generation for credits. Run Tally (`dotnet run --project
// src/Tally.Server -- --demo`), then:
//   TALLY_URL=http://127.0.0.1:5080 TALLY_API_KEY=<demo key> dotnet run --project samples/Tally.Sample -- --urls http://127.0.0.1:5090
//   curl -X POST -H "X-User: demo-alice" http://127.0.0.1:5090/images      (charged 10 credits on success)
//   curl -H "X-User: demo-alice" http://127.0.0.1:5090/me/credits
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTallyClient(options =>
{
    options.BaseAddress = new Uri(builder.Configuration["TALLY_URL"] ?? "http://127.0.0.1:5080");
    options.ApiKey = builder.Configuration["TALLY_API_KEY"] ?? throw new InvalidOperationException("Set TALLY_API_KEY to a Tally API key with the charge and read scopes.");
    options.FailureMode = FailureMode.Closed;
});

var app = builder.Build();

// The user comes from your own auth; here a header stands in for it.
static string? User(HttpContext http) => http.Request.Headers["X-User"].FirstOrDefault();

// Reserves image.generate's cost first (402 if the user cannot pay), charges it when the
// handler succeeds, releases it when the handler fails.
app.MapPost("/images", () => Results.Ok(new { url = "https://example.com/cat.png" }))
    .RequireCredits("image.generate", 1, o => o.Account = User);

// Work of unknown cost: reserve for the worst case, charge what it really used.
app.MapPost("/chat", (HttpContext http) =>
{
    var tokensUsed = Random.Shared.Next(100, 2000);
    http.SetCreditUsage(Math.Ceiling(tokensUsed * 0.002m));
    return Results.Ok(new { reply = "…", tokensUsed });
}).RequireCredits("llm.tokens", 2000, o => o.Account = User);

app.MapGet("/me/credits", async (HttpContext http, TallyClient tally, CancellationToken ct) =>
{
    var user = User(http);
    if (user is null)
    {
        return Results.Unauthorized();
    }

    try
    {
        var balance = await tally.Accounts.GetBalanceAsync(user, ct);
        return Results.Ok(balance.For());
    }
    catch (TallyNotFoundException)
    {
        return Results.Ok(new Balance("credits", 0, 0, 0, null));
    }
});

app.Run();

// For the sample's integration tests (WebApplicationFactory<Program>).
public partial class Program;
