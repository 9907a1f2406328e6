// Reads each .ics file named on the command line with ical.js (Thunderbird's parser) and prints
// every VEVENT as JSON: the file's METHOD, UID, start and end in UTC, SEQUENCE, STATUS, text.
const ICAL = require('ical.js');
const fs = require('fs');

const utc = (time) => time.toJSDate().toISOString().replace('.000Z', 'Z');
const events = [];
for (const file of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')));
  const method = calendar.getFirstPropertyValue('method');
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    events.push({
      file: require('path').basename(file),
      method: method || null,
      uid: event.uid,
      start: utc(event.startDate),
      end: utc(event.endDate),
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue('status'),
      summary: event.summary,
      description: event.description,
      location: event.location || null,
    });
  }
}
process.stdout.write(JSON.stringify(events));
