using System.Net;
using System.Text;
using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// The sandbox's hosted pages: plain HTML, no scripts or external assets, so they work offline and
/// in any headless browser. Forms post to paths relative to the page.
/// </summary>
internal static class SandboxPages
{
    /// <summary>The button actions of the checkout page, as posted to <c>checkout/{id}/{action}</c>.</summary>
    public static readonly IReadOnlyList<(string Action, string Label)> CheckoutActions =
    [
        ("pay", "Pay"),
        ("fail", "Fail"),
        ("pay-refund", "Pay then refund"),
        ("dispute", "Dispute"),
    ];

    public static string Checkout(DodoCheckoutStatus session, SandboxProduct product, long amount)
    {
        var body = new StringBuilder();
        body.Append($"<h1>{E(product.Name)}</h1><p class=\"price\">{E(Currencies.Format(amount, product.Currency))}");
        if (product.RecurringInterval is { } interval)
            body.Append(E(" every " + interval.ToLowerInvariant()));
        body.Append("</p>");
        if (session.PaymentStatus == "succeeded")
        {
            body.Append("<p>This checkout is paid.</p>");
        }
        else
        {
            if (session.PaymentStatus == "failed")
                body.Append("<p class=\"note\">The last attempt failed; you can try again.</p>");
            foreach (var (action, label) in CheckoutActions)
            {
                body.Append($"<form method=\"post\" action=\"{E(Uri.EscapeDataString(session.Id))}/{action}\"><button type=\"submit\" name=\"action\" value=\"{action}\">{E(label)}</button></form>");
            }
        }

        body.Append($"<p class=\"note\">DodoPayments sandbox · session {E(session.Id)}</p>");
        return Page("Checkout — " + product.Name, body.ToString());
    }

    public static string Result(string paymentId, string status) =>
        Page("Payment " + status, $"<h1>Payment {E(status)}</h1><p>Payment {E(paymentId)}. No return URL was given; you can close this page.</p>");

    public static string Portal(string customerId, IEnumerable<DodoSubscription> subscriptions, string? returnUrl)
    {
        var body = new StringBuilder($"<h1>Billing</h1><p>Customer {E(customerId)}</p><ul>");
        foreach (var s in subscriptions)
        {
            var ending = s.CancelAtNextBillingDate ? " (cancels then)" : "";
            var end = s.NextBillingDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            body.Append($"<li>{E(s.ProductId)} — {E(s.Status)}, period ends {E(end)}{E(ending)}</li>");
        }

        body.Append("</ul>");
        if (returnUrl is not null)
            body.Append($"<p><a href=\"{E(returnUrl)}\">Back</a></p>");
        return Page("Billing", body.ToString());
    }

    private static string Page(string title, string body) =>
        $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}}</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
        .price{font-size:1.6rem;font-weight:600} form{display:inline-block;margin:.25rem}
        button{font-size:1rem;padding:.6rem 1rem;border-radius:.4rem;border:1px solid #888;background:#f4f4f4;cursor:pointer}
        .note{color:#777;font-size:.85rem}
        </style></head>
        <body>{{body}}</body></html>
        """;

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
