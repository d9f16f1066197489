// With CI=true a skipped or todo test fails the run: a test that does not run proves nothing.
class NoSkipsReporter {
  constructor() {
    this.error = undefined;
  }
  onRunComplete(_contexts, results) {
    if (process.env.CI !== 'true') return;
    const skipped = results.numPendingTests + results.numTodoTests;
    if (skipped > 0) {
      const names = [];
      for (const file of results.testResults) {
        for (const t of file.testResults)
          if (t.status === 'pending' || t.status === 'todo') names.push(`${t.fullName} (${file.testFilePath})`);
      }
      this.error = new Error(`CI=true: ${skipped} test(s) skipped:\n  ${names.join('\n  ')}`);
      process.stderr.write(`\n${this.error.message}\n`);
    }
  }
  getLastError() {
    return this.error;
  }
}
module.exports = NoSkipsReporter;
