using Tally.Server.Hosting;

return await TallyHost.RunAsync(args);

/// <summary>The entry point, public for WebApplicationFactory.</summary>
public partial class Program;
