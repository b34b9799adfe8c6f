using Tally.Server.Hosting;

return await TallyHost.RunAsync(args);

/// <summary>The entry point: <c>dotnet Tally.Server.dll</c> (tests start it as a process of its own).</summary>
public partial class Program;
