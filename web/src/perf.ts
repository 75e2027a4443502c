// Time to first render of a view, measured in the browser with the User
// Timing API: a mark when a route starts (or the page's navigation start
// for the first view), a measure when the view has drawn its data. The
// figures are kept in window.__vnetmapPerf for tests and benchmarks.

export interface Figure {
  /** the view: "vm", "topology", … */
  view: string
  /** milliseconds from the route's start (in-app navigation) or from the navigation start (first load) */
  ms: number
  /** true when the view was the first one the page loaded */
  firstLoad: boolean
  path: string
}

declare global {
  interface Window {
    __vnetmapPerf: Figure[]
  }
}

window.__vnetmapPerf = window.__vnetmapPerf ?? []

let routeMark: string | null = null
let routePath = window.location.pathname
let routes = 0
const done = new Set<string>()

/** routeStarted marks the start of an in-app navigation. */
export function routeStarted(path: string) {
  routes++
  routeMark = `vnetmap:route:${routes}`
  routePath = path
  performance.mark(routeMark)
}

/**
 * rendered records, once per route, the time until the view drew its data:
 * measured after the next frame, so that layout and paint are included.
 */
export function rendered(view: string) {
  const key = `${routes}:${view}`
  if (done.has(key)) return
  done.add(key)
  const mark = routeMark
  const path = routePath
  requestAnimationFrame(() =>
    setTimeout(() => {
      const name = `vnetmap:${view}`
      const m = mark ? performance.measure(name, mark) : performance.measure(name)
      window.__vnetmapPerf.push({ view, ms: Math.round(m.duration * 10) / 10, firstLoad: mark === null, path })
    }, 0),
  )
}
