using Spectre.Console;
using Tally.Ledger.Relational.Backup;

namespace Tally.Cli.Commands;

/// <summary>Shows a backup's or restore's steps as Spectre progress bars, one per step, counting rows.</summary>
internal sealed class BackupProgressBar(ProgressContext context) : IBackupProgress
{
    private ProgressTask? _task;

    public void Start(string step, long rows)
    {
        Finish();
        _task = context.AddTask(step, maxValue: Math.Max(1, rows));
    }

    public void Advance(long rows) => _task?.Increment(rows);

    /// <summary>Marks the current step done (a step of no rows included).</summary>
    public void Finish()
    {
        if (_task is not null)
        {
            _task.Value = _task.MaxValue;
        }
    }

    /// <summary>Runs the work under progress bars: rows done, percentage, elapsed time.</summary>
    public static Task RunAsync(IAnsiConsole console, Func<BackupProgressBar, Task> work) =>
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = new BackupProgressBar(context);
                await work(bar);
                bar.Finish();
            });
}
