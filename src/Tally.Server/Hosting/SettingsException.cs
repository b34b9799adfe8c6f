namespace Tally.Server.Hosting;

/// <summary>A configuration value that cannot be used. The message names the setting.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
