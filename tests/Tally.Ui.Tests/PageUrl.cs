using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tally.Ui.Tests;

/// <summary>Waiting for a page to arrive at an address.</summary>
internal static class PageUrl
{
    /// <summary>
    /// Waits until the page's address matches <paramref name="glob"/> (<c>**</c> is any text,
    /// <c>*</c> any text without a slash, everything else literal) and its document is parsed, so an
    /// accessibility check that follows sees the whole page. Both are polled in the page.
    /// Playwright's <c>WaitForURLAsync</c> instead waits for the load event to be reported, and on a
    /// busy box that report once never reached the test within the timeout although the page had
    /// loaded and the network was idle.
    /// </summary>
    public static async Task ExpectUrlAsync(this IPage page, string glob)
    {
        ArgumentNullException.ThrowIfNull(page);
        await Expect(page).ToHaveURLAsync(Pattern(glob));
        await page.WaitForFunctionAsync("document.readyState !== 'loading'");
    }

    /// <summary>The anchored regular expression a URL glob stands for (no options: Playwright hands it to the page as a JavaScript RegExp).</summary>
    public static Regex Pattern(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$");
}
