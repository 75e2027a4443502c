// Cytoscape.js is loaded only by the views that draw graphs. loadCytoscape
// starts the download once, as soon as such a view is reached (in parallel
// with its API call), and shares it.

type Module = typeof import('cytoscape')
let loading: Promise<{ default: Module }> | null = null

export function loadCytoscape(): Promise<{ default: Module }> {
  if (!loading) loading = import('cytoscape') as unknown as Promise<{ default: Module }>
  return loading
}
