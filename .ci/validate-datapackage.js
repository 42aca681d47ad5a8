// Validates an open-data release with the Frictionless Data reference
// implementation for JavaScript (npm datapackage, pinned in .ci/run): the
// descriptor against the tabular-data-package profile, then every
// resource read in full with each cell cast to its field's type, format
// and constraints, primary keys unique and foreign keys resolved.
// Usage: node validate.js release.zip (or path/to/datapackage.json)
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')
const JSZip = require('jszip') // datapackage's own dependency
const { Package } = require('datapackage')

// unzip extracts a release into a new folder and returns its descriptor.
async function unzip (file) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cybernorms-release-'))
  const zip = await JSZip.loadAsync(fs.readFileSync(file))
  for (const [name, entry] of Object.entries(zip.files)) {
    const target = path.join(dir, name)
    if (!target.startsWith(dir + path.sep)) throw new Error('unsafe path in zip: ' + name)
    if (entry.dir) continue
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, await entry.async('nodebuffer'))
  }
  return path.join(dir, 'datapackage.json')
}

async function main () {
  const descriptor = process.argv[2]
  if (!descriptor) throw new Error('usage: node validate.js release.zip|datapackage.json')
  let full = path.resolve(descriptor)
  if (full.endsWith('.zip')) full = await unzip(full)
  const pkg = await Package.load(full, { basePath: path.dirname(full) })
  let failed = 0
  if (!pkg.valid) {
    for (const e of pkg.errors) console.error('datapackage.json:', e.message)
    failed++
  }
  for (const resource of pkg.resources) {
    if (!resource.tabular) {
      console.error(resource.name + ': not tabular')
      failed++
      continue
    }
    if (!resource.valid) {
      for (const e of resource.errors) console.error(resource.name + ':', e.message)
      failed++
      continue
    }
    try {
      const rows = await resource.read({ cast: true, relations: true })
      console.log(resource.name + ': ' + rows.length + ' rows valid')
    } catch (e) {
      failed++
      const errs = e.errors || [e]
      for (const x of errs.slice(0, 20)) console.error(resource.name + ':', x.message || String(x))
    }
  }
  if (failed) {
    console.error(failed + ' problem(s) in ' + descriptor)
    process.exit(1)
  }
  console.log(pkg.resources.length + ' resources valid')
}

main().catch(e => { console.error(e.stack || String(e)); process.exit(1) })
