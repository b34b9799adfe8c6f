global using Microsoft.Extensions.Time.Testing;
global using Shouldly;
global using Tally.Testing;
global using Xunit;
