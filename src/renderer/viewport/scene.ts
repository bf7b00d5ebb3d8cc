import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { eyeViewLidColour, shadedColour } from './scene-colours';
import { deformMesh, poseVertices, rotationMatrix, type FaceModel, type PinholeCamera } from '../../engine/common/face-model';
import { EYE_LIDS, lidVertices } from '../../engine/common/eyelids';

/**
 * The 3D preview. Camera space (x right, y down, z forward, mm) maps to three.js
 * as (x, -y, -z); the three.js camera sits at the origin like the video camera.
 * With a persona: its mesh, deformed by the expression and the blink (the lids close,
 * common/eyelids.ts) and posed, textured.
 * Without one: a stand-in head that shows the pose and blink curves.
 */
export interface PersonaGeometry {
  model: FaceModel;
  camera: PinholeCamera;
  texture?: THREE.Texture;
  meanPose: number[];
}

export interface Overlays {
  wireframe: boolean;
  eyes: boolean;
}

/**
 * How the persona's face is drawn: with its texture; shaded (no texture: the shape and
 * its motion, eyelids included, read best); or the eye attention view, where the eye
 * regions light up as much as the blink curve closes the eyes (FACIAL's eye map).
 */
export type PreviewMode = 'textured' | 'shaded' | 'eyes';
export const PREVIEW_MODES: PreviewMode[] = ['textured', 'shaded', 'eyes'];

export class PreviewScene {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(20, 1, 5, 20000);
  private readonly controls: OrbitControls;
  private persona?: {
    geo: PersonaGeometry; mesh: THREE.Mesh; wire: THREE.LineSegments; eyes: THREE.Points; positions: Float32Array; colors: Float32Array;
    /** [V] 1 on the lid edges (drawn dark in the shaded and blink views). */
    lids: Float32Array;
    materials: Record<PreviewMode, THREE.Material>;
  };
  private mode: PreviewMode = 'textured';
  private standIn?: { group: THREE.Group; lids: THREE.Mesh[] };
  private overlays: Overlays = { wireframe: false, eyes: false };
  private raf = 0;
  private params = new Float32Array(71);
  onRendered?: () => void;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, alpha: true, preserveDrawingBuffer: false });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene.add(new THREE.HemisphereLight(0xdde6f0, 0x20242c, 1.4));
    const key = new THREE.DirectionalLight(0xffffff, 1.6);
    key.position.set(300, 400, 600);
    this.scene.add(key);
    this.camera.position.set(0, 0, 0);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.setTarget(new THREE.Vector3(0, 0, -600));
  }

  private setTarget(target: THREE.Vector3): void {
    this.controls.target.copy(target);
    this.camera.position.set(0, 0, 0);
    this.camera.lookAt(target);
    this.controls.update();
  }

  resize(w: number, h: number): void {
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / Math.max(1, h);
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  setOverlays(o: Overlays): void {
    this.overlays = o;
    if (this.persona) {
      this.persona.wire.visible = o.wireframe;
      this.persona.eyes.visible = o.eyes;
    }
    this.requestRender();
  }

  setMode(mode: PreviewMode): void {
    this.mode = mode;
    if (this.persona) this.persona.mesh.material = this.persona.materials[mode];
    this.requestRender();
  }

  /** Shows a persona (replacing the stand-in) or, with undefined, the stand-in head. */
  setPersona(geo: PersonaGeometry | undefined, headDistance = 600): void {
    this.clear();
    if (!geo) {
      this.standIn = buildStandIn();
      this.scene.add(this.standIn.group);
      this.camera.fov = 20;
      this.camera.updateProjectionMatrix();
      this.setTarget(new THREE.Vector3(0, 0, -headDistance));
      this.requestRender();
      return;
    }
    const { model } = geo;
    const V = model.vertexCount;
    const positions = new Float32Array(V * 3);
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    const uv = new Float32Array(V * 2);
    for (let i = 0; i < V; i++) {
      uv[2 * i] = model.uvs[2 * i];
      uv[2 * i + 1] = 1 - model.uvs[2 * i + 1];
    }
    g.setAttribute('uv', new THREE.BufferAttribute(uv, 2));
    // Triangles are counter-clockwise in image space (y down); flipping y and z keeps them front-facing.
    g.setIndex(new THREE.BufferAttribute(model.triangles, 1));
    const colors = new Float32Array(V * 3);
    g.setAttribute('color', new THREE.BufferAttribute(colors, 3));
    // Shaded: skin colour per vertex, with the lid edges dark so the eyes' opening (and a blink closing it) shows.
    const shaded = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.8, side: THREE.DoubleSide });
    const materials: Record<PreviewMode, THREE.Material> = {
      textured: geo.texture ? new THREE.MeshStandardMaterial({ map: geo.texture, roughness: 0.85, metalness: 0, side: THREE.DoubleSide }) : shaded,
      shaded,
      eyes: new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.9, side: THREE.DoubleSide }),
    };
    const mesh = new THREE.Mesh(g, materials[this.mode]);
    const wire = new THREE.LineSegments(new THREE.WireframeGeometry(g), new THREE.LineBasicMaterial({ color: 0x5aa9e6, transparent: true, opacity: 0.45 }));
    wire.visible = this.overlays.wireframe;
    const eyeIdx: number[] = [];
    for (let i = 0; i < V; i++) if (model.eyeMask[i]) eyeIdx.push(i);
    const eg = new THREE.BufferGeometry();
    eg.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    eg.setIndex(eyeIdx);
    const eyes = new THREE.Points(eg, new THREE.PointsMaterial({ color: 0xe0b050, size: 2.5, sizeAttenuation: false }));
    eyes.visible = this.overlays.eyes;
    this.scene.add(mesh, wire, eyes);
    this.persona = { geo, mesh, wire, eyes, positions, colors, lids: lidEdgeWeights(model), materials };
    this.camera.fov = (2 * Math.atan(geo.camera.height / 2 / geo.camera.fy) * 180) / Math.PI;
    this.camera.updateProjectionMatrix();
    const t = geo.meanPose;
    this.setTarget(new THREE.Vector3(t[3], -t[4], -t[5]));
    this.requestRender();
  }

  private clear(): void {
    if (this.persona) {
      this.scene.remove(this.persona.mesh, this.persona.wire, this.persona.eyes);
      this.persona.mesh.geometry.dispose();
      this.persona.wire.geometry.dispose();
      for (const m of new Set(Object.values(this.persona.materials))) m.dispose();
      this.persona = undefined;
    }
    if (this.standIn) {
      this.scene.remove(this.standIn.group);
      this.standIn = undefined;
    }
  }

  /** The 71 parameters to show (copied); renders on the next animation frame. */
  setParams(params: Float32Array): void {
    this.params.set(params);
    this.requestRender();
  }

  requestRender(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.renderNow();
    });
  }

  renderNow(): void {
    const p = this.params;
    if (this.persona) {
      const shape = deformMesh(this.persona.geo.model, p.subarray(7, 71), p[6]);
      const posed = poseVertices(shape, p.subarray(0, 6));
      const out = this.persona.positions;
      for (let i = 0; i < out.length; i += 3) {
        out[i] = posed[i];
        out[i + 1] = -posed[i + 1];
        out[i + 2] = -posed[i + 2];
      }
      const g = this.persona.mesh.geometry;
      g.attributes.position.needsUpdate = true;
      g.computeVertexNormals();
      g.computeBoundingSphere();
      this.persona.eyes.geometry.attributes.position.needsUpdate = true;
      if ((this.persona.mesh.material as THREE.MeshStandardMaterial).vertexColors) {
        const mask = this.persona.geo.model.eyeMask;
        const { colors, lids } = this.persona;
        const c = [0, 0, 0];
        for (let v = 0; v < mask.length; v++) {
          if (this.mode === 'eyes') eyeViewLidColour(mask[v] === 1, p[6], lids[v], c);
          else shadedColour(lids[v], c);
          colors[v * 3] = c[0];
          colors[v * 3 + 1] = c[1];
          colors[v * 3 + 2] = c[2];
        }
        g.attributes.color.needsUpdate = true;
      }
      // The wireframe follows the mesh (rebuilt only when shown).
      if (this.persona.wire.visible) {
        this.persona.wire.geometry.dispose();
        this.persona.wire.geometry = new THREE.WireframeGeometry(g);
      }
    } else if (this.standIn) {
      const R = rotationMatrix(p[0], p[1], p[2]);
      // three = S · camera with S = diag(1, -1, -1): M = S R S, t' = S t.
      const m = new THREE.Matrix4().set(R[0], -R[1], -R[2], p[3], -R[3], R[4], R[5], -p[4], -R[6], R[7], R[8], -(p[5] > 50 ? p[5] : 600 + p[5]), 0, 0, 0, 1);
      this.standIn.group.matrixAutoUpdate = false;
      this.standIn.group.matrix.copy(m);
      const close = Math.min(1, Math.max(0, p[6]));
      for (const lid of this.standIn.lids) lid.scale.set(1, Math.max(0.02, close), 1);
    }
    this.renderer.render(this.scene, this.camera);
    this.onRendered?.();
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.controls.dispose();
    this.clear();
    this.renderer.dispose();
  }
}

/** [V] 1 on the lid-edge vertices of both eyes (none for a model without lid landmarks). */
function lidEdgeWeights(model: FaceModel): Float32Array {
  const w = new Float32Array(model.vertexCount);
  for (const lm of EYE_LIDS) {
    const eye = lidVertices(model, lm);
    if (eye) for (const v of [eye.outer, eye.inner, ...eye.upper, ...eye.lower]) w[v] = 1;
  }
  return w;
}

/** A simple head (skull, nose, eyes with lids) facing the camera, in mm. */
function buildStandIn(): { group: THREE.Group; lids: THREE.Mesh[] } {
  const group = new THREE.Group();
  const skin = new THREE.MeshStandardMaterial({ color: 0x8a96a8, roughness: 0.7, metalness: 0.05 });
  const head = new THREE.Mesh(new THREE.SphereGeometry(1, 48, 32), skin);
  head.scale.set(75, 100, 90);
  head.position.set(0, 5, -35);
  const nose = new THREE.Mesh(new THREE.ConeGeometry(11, 32, 24), skin);
  nose.rotation.x = Math.PI / 2;
  nose.position.set(0, -5, 60);
  const eyeMat = new THREE.MeshStandardMaterial({ color: 0xeef2f6, roughness: 0.3 });
  const irisMat = new THREE.MeshStandardMaterial({ color: 0x2a4a66, roughness: 0.3 });
  const lidMat = new THREE.MeshStandardMaterial({ color: 0x7a8698, roughness: 0.7 });
  const lids: THREE.Mesh[] = [];
  for (const side of [-1, 1]) {
    const eye = new THREE.Mesh(new THREE.SphereGeometry(12, 24, 16), eyeMat);
    eye.position.set(side * 31.5, 22, 42);
    const iris = new THREE.Mesh(new THREE.SphereGeometry(5.5, 16, 12), irisMat);
    iris.position.set(side * 31.5, 22, 52.5);
    // The lid: a half-sphere shell that scales down from the brow as the eye closes.
    const lidPivot = new THREE.Group();
    lidPivot.position.set(side * 31.5, 35, 44);
    const lid = new THREE.Mesh(new THREE.BoxGeometry(30, 26, 14), lidMat);
    lid.geometry.translate(0, -13, 0);
    lidPivot.add(lid);
    lids.push(lid);
    group.add(eye, iris, lidPivot);
  }
  const mouth = new THREE.Mesh(new THREE.TorusGeometry(16, 2.2, 8, 32, Math.PI), new THREE.MeshStandardMaterial({ color: 0x4a3a3a }));
  mouth.rotation.z = Math.PI;
  mouth.position.set(0, -38, 58);
  group.add(head, nose, mouth);
  return { group, lids };
}
